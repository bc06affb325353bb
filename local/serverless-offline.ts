/**
 * serverless-offline (osls `sls offline start`) on 127.0.0.1: the HTTP API on httpPort, Lambda's
 * invoke API on lambdaPort, and API Gateway's WebSocket API on websocketPort. The handlers are
 * built once for all functions by local/offline-bundles.cjs and reused by later runs while their inputs are unchanged.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { BIN_DIR, CACHE_DIR, ROOT } from './paths.ts';
import { describeExit, startChild, type ChildService } from './processes.ts';

const READY_TIMEOUT_MS = 90_000;

export interface OfflineOptions {
  stage: string;
  httpPort: number;
  lambdaPort: number;
  websocketPort: number;
  /** What the handlers get (serverless.yml's `local` stage reads it). */
  env: Record<string, string>;
  /** serverless-offline's own output, line by line (prefixed `[offline] `) when `verbose`. */
  log: (line: string) => void;
  verbose: boolean;
  /** Aborting it while it starts stops it and rejects. */
  signal?: AbortSignal;
}

export interface ServerlessOffline {
  httpUrl: string;
  lambdaUrl: string;
  websocketUrl: string;
  child: ChildService;
  stop(): Promise<void>;
}

/** Work folders to delete if this process exits without stop(). */
const workFolders = new Set<string>();
let exitHookInstalled = false;
function removeOnExit(dir: string): void {
  workFolders.add(dir);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const folder of workFolders) rmSync(folder, { recursive: true, force: true });
  });
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

/** Work folders of runs whose process is gone without cleaning up (it was SIGKILLed). */
async function removeAbandonedWorkFolders(): Promise<void> {
  const dir = path.join(ROOT, '.esbuild');
  const entries = existsSync(dir) ? readdirSync(dir) : [];
  for (const name of entries) {
    const pid = Number(/^run-(\d+)-\d+$/.exec(name)?.[1]);
    if (!pid || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') await rm(path.join(dir, name), { recursive: true, force: true });
    }
  }
}

export async function startServerlessOffline(o: OfflineOptions): Promise<ServerlessOffline> {
  const sls = path.join(BIN_DIR, 'sls');
  if (!existsSync(sls)) throw new Error(`${sls} not found — run npm ci`);
  await removeAbandonedWorkFolders();
  // A work folder of its own, so parallel runs (npm start + npm test, sls package) never
  // overwrite or delete each other's files; serverless.yml: outputWorkFolder: ${env:ESBUILD_WORK_FOLDER}.
  const workFolder = path.join('.esbuild', `run-${process.pid}-${o.httpPort}`);
  const workDir = path.join(ROOT, workFolder);
  removeOnExit(workDir);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...o.env,
    PATH: `${BIN_DIR}${path.delimiter}${process.env.PATH ?? ''}`,
    // osls must not reach the network for update checks or telemetry.
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    ESBUILD_WORK_FOLDER: workFolder,
    // Node's on-disk bytecode cache: osls loads a large framework on every start.
    NODE_COMPILE_CACHE: path.join(CACHE_DIR, 'node-compile-cache'),
  };
  const args = ['offline', 'start', '--stage', o.stage, '--host', '127.0.0.1'];
  args.push('--httpPort', String(o.httpPort), '--lambdaPort', String(o.lambdaPort), '--websocketPort', String(o.websocketPort));
  const child = startChild('serverless-offline', sls, args, { cwd: ROOT, env, group: true, keepLines: 300 });
  if (o.verbose) child.onLine((line) => o.log(`[offline] ${line}`));
  let sawReady = false;
  child.onLine((line) => {
    if (/server ready/i.test(line)) sawReady = true;
  });

  const stop = async (): Promise<void> => {
    await child.stop();
    await rm(workDir, { recursive: true, force: true });
    workFolders.delete(workDir);
  };
  const httpUrl = `http://127.0.0.1:${o.httpPort}`;
  const lambdaUrl = `http://127.0.0.1:${o.lambdaPort}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  try {
    for (;;) {
      o.signal?.throwIfAborted();
      if (child.hasExited()) {
        throw new Error(`serverless-offline exited before it was ready (${describeExit(await child.exited)}). Its output:\n${child.recentOutput()}`);
      }
      const ready = (sawReady || (await answers(`${httpUrl}/`))) && (await answers(`${lambdaUrl}/`)) && (await answers(`http://127.0.0.1:${o.websocketPort}/`));
      if (ready) break;
      if (Date.now() > deadline) {
        throw new Error(`serverless-offline did not answer on ${httpUrl} within ${READY_TIMEOUT_MS / 1000} s. Its output:\n${child.recentOutput()}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { httpUrl, lambdaUrl, websocketUrl: `ws://127.0.0.1:${o.websocketPort}`, child, stop };
}
