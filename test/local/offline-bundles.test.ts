/**
 * local/offline-bundles.cjs, the osls plugin behind `sls offline start`: one esbuild run for every
 * handler, reused while its inputs are unchanged, rebuilt when one changes. Run here on a small
 * service of its own, with a cache folder of its own.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';

const dir = mkdtempSync(path.join(os.tmpdir(), 'offline-bundles-'));
process.env.OFFLINE_BUNDLES_CACHE = path.join(dir, 'cache');
const OfflineBundles = createRequire(import.meta.url)('../../local/offline-bundles.cjs');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const service = path.join(dir, 'service');
mkdirSync(path.join(service, 'functions'), { recursive: true });
const write = (file: string, text: string) => writeFileSync(path.join(service, file), text);
write('functions/greeting.ts', "export const greeting = (name: string): string => `hello ${name}`;\n");
write('functions/hello.ts', "import { greeting } from './greeting.ts';\nexport const handler = async () => greeting('a');\n");
write('functions/bye.ts', "export const handler = async () => 'bye';\n");

function fakeServerless() {
  return {
    config: { serviceDir: service },
    service: {
      provider: { runtime: 'nodejs22.x' },
      custom: { esbuild: { bundle: true, minify: true, format: 'esm', outputFileExtension: '.mjs', exclude: [], outputWorkFolder: '.esbuild/run-1', concurrency: 4 } },
      functions: { hello: { handler: 'functions/hello.handler' }, bye: { handler: 'functions/bye.handler' }, python: { handler: 'x.handler', runtime: 'python3.12' } },
    } as Record<string, any>,
  };
}

/** One `sls offline start`: the plugin's hook, what it logged, and what serverless-offline would load. */
async function offlineStart() {
  const serverless = fakeServerless();
  const lines: string[] = [];
  const plugin = new OfflineBundles(serverless, {}, { log: { notice: (l: string) => lines.push(l), verbose: () => {} } });
  await plugin.hooks['before:offline:start:init']();
  const location = serverless.service.custom['serverless-offline']?.location as string;
  // In a fresh Node process, as serverless-offline's worker would load it (no module cache in between).
  const load = async (name: string) => {
    const url = pathToFileURL(path.join(service, location, 'functions', `${name}.mjs`)).href;
    return execFileSync(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(url)}); process.stdout.write(await m.handler());`], { encoding: 'utf8' });
  };
  return { serverless, lines, location, load };
}

describe('offline-bundles', () => {
  it('builds every node handler in one run, marks them for serverless-esbuild to skip, and points serverless-offline at them', async () => {
    const run = await offlineStart();
    expect(run.lines).toEqual([expect.stringMatching(/^offline-bundles: 2 handlers built in one esbuild run/)]);
    expect(run.location).toBe(path.join('.esbuild', 'run-1', 'offline-bundles'));
    const fns = run.serverless.service.functions;
    expect([fns.hello.skipEsbuild, fns.bye.skipEsbuild, fns.python.skipEsbuild]).toEqual([true, true, undefined]);
    expect(await run.load('hello')).toBe('hello a');
    expect(await run.load('bye')).toBe('bye');
    expect(existsSync(path.join(service, run.location, 'functions', 'greeting.mjs'))).toBe(false); // not an entry
  });

  it('reuses the build while no input changed, and rebuilds when one did', async () => {
    const again = await offlineStart();
    expect(again.lines).toEqual([expect.stringMatching(/^offline-bundles: 2 handlers reused from the cache/)]);
    expect(await again.load('hello')).toBe('hello a');

    write('functions/greeting.ts', "export const greeting = (name: string): string => `hi ${name}`;\n");
    const changed = await offlineStart();
    expect(changed.lines).toEqual([expect.stringMatching(/built in one esbuild run/)]);
    expect(await changed.load('hello')).toBe('hi a');
    expect(readFileSync(path.join(service, changed.location, 'functions', 'hello.mjs'), 'utf8')).toContain('hi ');
  });
});
