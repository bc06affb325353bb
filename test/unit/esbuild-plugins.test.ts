import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const plugins = require('../../infra/esbuild/plugins.cjs') as esbuild.Plugin[];
const root = path.resolve(import.meta.dirname, '../..');
/** The SDK clients the functions bundle (package.json dependencies). */
const clients = Object.keys((JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies).filter((name) => name.startsWith('@aws-sdk/client-'));

describe('infra/esbuild/plugins.cjs: sdk-client-version', () => {
  it.each(clients)('%s reads nothing of its package.json but the version', (client) => {
    const dist = path.join(root, 'node_modules', client, 'dist-es');
    const sources = readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.js'));
    const importers = sources.filter((file) => /from "\.\.?\/(\.\.\/)*package\.json"/.test(readFileSync(path.join(dist, file), 'utf8')));
    expect(importers.length).toBeGreaterThan(0);
    for (const file of importers) {
      const source = readFileSync(path.join(dist, file), 'utf8');
      const name = /import (\w+) from "[./]*package\.json"/.exec(source)![1]!;
      // Every mention: the import itself (bare), then only `<name>.version`.
      const uses = source.match(new RegExp(`\\b${name}\\b(\\.\\w+)?`, 'g'))!;
      expect(uses.filter((use) => use === name), file).toHaveLength(1);
      expect(new Set(uses.filter((use) => use !== name)), file).toEqual(new Set([`${name}.version`]));
    }
  });

  it.each(clients)('bundles only the version of %s/package.json', async (client) => {
    const file = path.join(root, 'node_modules', client, 'package.json');
    const result = await esbuild.build({
      stdin: { contents: `import info from ${JSON.stringify(file)}; export default info;`, resolveDir: root, loader: 'js' },
      bundle: true, format: 'esm', platform: 'node', write: false, plugins,
    });
    const bundled = (await import(`data:text/javascript,${encodeURIComponent(result.outputFiles[0]!.text)}`)) as { default: unknown };
    expect(bundled.default).toEqual({ version: (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version });
  });
});
