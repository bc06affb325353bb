/**
 * bundles: per function, the size of the minified ESM bundle `sls package --stage prod` builds
 * (serverless-esbuild, the deployed configuration) and its module import time on this Node 22:
 * the median of fresh processes (all functions imported once per round, 11 rounds by default),
 * each timing only `await import(bundle)` with performance.now(),
 * under the deployed NODE_OPTIONS (--enable-source-maps) and dummy values of the deployed
 * environment variables (lib reads its configuration at import).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { apiRoutes } from '../lib/routes.ts';
import { ROOT } from './routes.ts';
import { median, round } from './stats.ts';

export interface BundlesConfig {
  /** Fresh processes per function for the import time; 0 = sizes only. */
  importRuns: number;
}

export interface BundleFigures {
  bytes: number;
  /** Median import time; null when importRuns is 0. */
  initMs: number | null;
  /** Every run, for the curious. */
  initRunsMs: number[];
}

export interface BundlesResult {
  functions: Record<string, BundleFigures>;
  packageSeconds: number;
  node: string;
}

const BIN_DIR = path.join(ROOT, 'node_modules', '.bin');

/** What a deployed function finds in its environment (serverless.yml provider.environment), dummy values. */
const LAMBDA_ENV: Record<string, string> = {
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  STAGE: 'prod',
  CHAT_TABLE: 'chat-prod',
  TASKS_TABLE: 'chat-prod-tasks',
  MESSAGE_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/chat-prod-messages.fifo',
  UPSTASH_REDIS_REST_URL: 'https://bench.upstash.io',
  UPSTASH_REDIS_REST_TOKEN: 'bench-token',
  AUTH_MODE: 'token',
  AUTH_TOKEN_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
  POWERTOOLS_LOG_LEVEL: 'INFO',
  NODE_OPTIONS: '--enable-source-maps',
  // The $default function's own (lib/routes.ts serverlessFunctions).
  API_ROUTES: apiRoutes(),
};

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(output) : reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${output.slice(-3000)}`))));
  });
}

async function packageFunctions(dir: string): Promise<string> {
  const packageDir = path.join(dir, 'package');
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Nothing of the local stack: a deployed stage's package, built offline with dummy credentials.
  for (const name of Object.keys(env)) if (name.startsWith('AWS_')) delete env[name];
  Object.assign(env, {
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    // serverless-esbuild joins this to the service directory: relative, into our temp folder.
    ESBUILD_WORK_FOLDER: path.relative(ROOT, path.join(dir, '.esbuild')),
    PATH: `${BIN_DIR}${path.delimiter}${process.env.PATH ?? ''}`,
  });
  await run(path.join(BIN_DIR, 'sls'), ['package', '--stage', 'prod', '--package', packageDir], env);
  return packageDir;
}

async function findMjs(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.mjs')) found.push(path.join(entry.parentPath, entry.name));
  }
  return found;
}

function importMs(file: string): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - t));`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), ...LAMBDA_ENV },
    encoding: 'utf8',
    timeout: 30_000,
  });
  const ms = Number(result.stdout);
  if (result.status !== 0 || !Number.isFinite(ms)) throw new Error(`importing ${file} failed (${result.status}): ${result.stderr.slice(-1000)}`);
  return ms;
}

export async function bundles(config: BundlesConfig, log: (line: string) => void): Promise<BundlesResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'chat-bench-'));
  try {
    const started = performance.now();
    const packageDir = await packageFunctions(dir);
    const packageSeconds = round((performance.now() - started) / 1000, 1);
    log(`  sls package --stage prod: ${packageSeconds} s`);
    const zips = (await readdir(packageDir)).filter((f) => f.endsWith('.zip')).sort();
    const bundleFiles: { name: string; mjs: string; bytes: number }[] = [];
    for (const zip of zips) {
      const name = zip.replace(/\.zip$/, '');
      const target = path.join(dir, 'unzipped', name);
      await mkdir(target, { recursive: true });
      await run('unzip', ['-q', '-o', path.join(packageDir, zip), '-d', target], process.env);
      const [mjs, ...more] = await findMjs(target);
      if (!mjs || more.length > 0) throw new Error(`${zip}: expected one .mjs bundle, found ${[mjs, ...more].filter(Boolean).join(', ') || 'none'}`);
      bundleFiles.push({ name, mjs, bytes: (await stat(mjs)).size });
    }
    // Round after round over all functions, so that a busy moment of the machine weighs on every
    // function alike instead of on the ones measured then.
    const runs = new Map<string, number[]>(bundleFiles.map(({ name }) => [name, []]));
    for (let pass = 0; pass < config.importRuns; pass++) for (const { name, mjs } of bundleFiles) runs.get(name)!.push(round(importMs(mjs), 1));
    const functions: Record<string, BundleFigures> = {};
    for (const { name, bytes } of bundleFiles) {
      const times = runs.get(name)!;
      functions[name] = { bytes, initMs: times.length ? round(median(times), 1) : null, initRunsMs: times };
    }
    const node = spawnSync(process.execPath, ['--version'], { encoding: 'utf8' }).stdout.trim();
    return { functions, packageSeconds, node };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
