import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { serverlessFunctions } from '../../lib/routes.ts';

/**
 * Every function's bundle, built as `sls package` builds it (serverless.yml custom.esbuild through
 * the same translation as local/offline-bundles.cjs), in memory: no AWS SDK client in any of them
 * (the functions call AWS through lib/aws, docs/performance.md "Bundles"), and none over 300 KB
 * (issue 14). `npm run bench -- --only bundles` measures the packaged ones and their import time.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const require = createRequire(import.meta.url);
// osls parses serverless.yml with its own CloudFormation-aware YAML schema: the same parser here.
const parseServerlessFile = require(path.join(ROOT, 'node_modules', 'serverless', 'lib', 'utils', 'fs', 'parse.js')) as (file: string, contents: Buffer) => unknown;
const offlineBundles = require('../../local/offline-bundles.cjs') as {
  esbuildOptions(custom: Record<string, unknown>, runtime: string): BuildOptions;
  entryOf(serviceDir: string, handler: string): string;
};

const LIMIT_BYTES = 300 * 1024;
const FORBIDDEN = [/node_modules\/@aws-sdk\/client-/, /node_modules\/@aws-sdk\/lib-dynamodb\//, /node_modules\/@smithy\/node-http-handler\//];

const serverlessYml = path.join(ROOT, 'serverless.yml');
const config = parseServerlessFile(serverlessYml, readFileSync(serverlessYml)) as { provider: { runtime: string }; custom: { esbuild: Record<string, unknown> } };
const functions = Object.entries(serverlessFunctions() as Record<string, { handler: string }>).map(([name, { handler }]) => ({
  name,
  entry: offlineBundles.entryOf(ROOT, handler),
}));

interface Bundle {
  bytes: number;
  inputs: string[];
}
const bundles = new Map<string, Bundle>();

beforeAll(async () => {
  const options = offlineBundles.esbuildOptions(config.custom.esbuild, config.provider.runtime);
  const result = await build({
    ...options,
    entryPoints: functions.map(({ entry }) => entry),
    outbase: ROOT,
    outdir: path.join(ROOT, '.esbuild', 'bundles-test'),
    absWorkingDir: ROOT,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const outputs: Metafile['outputs'] = result.metafile.outputs;
  for (const [output, meta] of Object.entries(outputs)) {
    if (!meta.entryPoint) continue;
    bundles.set(meta.entryPoint, { bytes: meta.bytes, inputs: Object.keys(meta.inputs) });
    expect(output.endsWith('.mjs'), output).toBe(true);
  }
}, 60_000);

describe('the Lambda bundles', () => {
  it('are built for every function of the route table', () => {
    expect(functions.length).toBeGreaterThan(20);
    for (const { entry } of functions) expect(bundles.has(entry), entry).toBe(true);
  });

  it.each(functions)('$name bundles no AWS SDK client, DocumentClient or SDK HTTP handler', ({ entry }) => {
    const sdk = bundles.get(entry)!.inputs.filter((input) => FORBIDDEN.some((pattern) => pattern.test(input)));
    expect(sdk).toEqual([]);
  });

  it.each(functions)('$name is at most 300 KB', ({ entry }) => {
    expect(bundles.get(entry)!.bytes).toBeLessThanOrEqual(LIMIT_BYTES);
  });
});
