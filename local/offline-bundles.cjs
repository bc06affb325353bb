'use strict';
/**
 * osls plugin for `sls offline start` only: builds the handlers of all functions in ONE esbuild
 * run, with serverless-esbuild's own options (serverless.yml custom.esbuild), and reuses the
 * build of an earlier run while none of its inputs changed. serverless-esbuild builds each
 * function on its own — twenty-odd builds that each parse the same dependencies again. The
 * functions are then marked skipEsbuild, so serverless-esbuild builds nothing, and
 * serverless-offline loads the handlers from this run's work folder. `sls package` and
 * `sls deploy` never reach this code: what is deployed is built by serverless-esbuild as before.
 *
 * The cache (node_modules/.cache/chat-serverless/offline-bundles/) is keyed by the options, the
 * entry points and esbuild's version; a build is reused only if every file it read (esbuild's
 * metafile: our sources and the node_modules files) still has the same content. Each run
 * hard-links the files into its own work folder, so a later rebuild never pulls them away from
 * a running stack. Delete the folder to force a build.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const CACHE = process.env.OFFLINE_BUNDLES_CACHE || path.join(__dirname, '..', 'node_modules', '.cache', 'chat-serverless', 'offline-bundles');
/** serverless-esbuild's keys that are not esbuild's (serverless-esbuild 1.57, bundle.ts). */
const PLUGIN_KEYS = [
  'concurrency', 'zipConcurrency', 'exclude', 'nativeZip', 'packager', 'packagePath', 'watch', 'keepOutputDirectory',
  'packagerOptions', 'installExtraArgs', 'outputFileExtension', 'outputBuildFolder', 'outputWorkFolder', 'nodeExternals',
  'skipBuild', 'skipRebuild', 'skipBuildExcludeFns', 'stripEntryResolveExtensions', 'disposeContext', 'config', 'plugins',
];
const ENTRY_EXTENSIONS = ['.ts', '.mts', '.tsx', '.js', '.mjs', '.cjs', '.jsx'];
/** Older builds are deleted once no run can still be linking from them. */
const OLD_BUILD_MS = 10 * 60 * 1000;

const sha = (data) => crypto.createHash('sha256').update(data).digest('hex');

function fileHash(file) {
  try {
    return sha(fs.readFileSync(file));
  } catch {
    return 'missing';
  }
}

/** Hard links (or copies, across file systems) every file of `from` into `to`. */
function linkTree(from, to) {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) linkTree(source, target);
    else {
      try {
        fs.linkSync(source, target);
      } catch {
        fs.copyFileSync(source, target);
      }
    }
  }
}

class OfflineBundles {
  constructor(serverless, _options, { log } = {}) {
    this.serverless = serverless;
    this.log = log ?? { notice: console.log, verbose: () => {} };
    const prepare = () => (this.prepared ??= this.prepare());
    this.hooks = { 'before:offline:start': prepare, 'before:offline:start:init': prepare };
  }

  async prepare() {
    const started = performance.now();
    const service = this.serverless.service;
    const serviceDir = this.serverless.config.serviceDir || this.serverless.config.servicePath;
    const custom = service.custom?.esbuild ?? {};
    if (custom.config || (custom.plugins && typeof custom.plugins !== 'string')) {
      this.log.notice('offline-bundles: custom.esbuild has config or inline plugins: serverless-esbuild builds each function');
      return;
    }
    const runtime = service.provider.runtime ?? '';
    const functions = Object.values(service.functions ?? {}).filter((fn) => fn.handler && (fn.runtime ?? runtime).startsWith('nodejs'));
    if (functions.length === 0) return;
    const entries = [...new Set(functions.map((fn) => entryOf(serviceDir, fn.handler)))].sort();

    const esbuild = require('esbuild');
    const options = esbuildOptions(custom, runtime);

    // A plugins file, as serverless-esbuild loads it (a path from the service folder to a module
    // exporting the plugins): its content is part of the key, as it shapes the build.
    const pluginsFile = custom.plugins ? path.join(serviceDir, custom.plugins) : undefined;
    if (pluginsFile) options.plugins = require(pluginsFile);
    const key = sha(JSON.stringify({ options, plugins: pluginsFile && fileHash(pluginsFile), entries, esbuild: esbuild.version })).slice(0, 16);
    const keyDir = path.join(CACHE, key);
    const manifestFile = path.join(keyDir, 'manifest.json');
    let build = this.cachedBuild(serviceDir, keyDir, manifestFile);
    const reused = Boolean(build);
    if (!build) {
      fs.mkdirSync(keyDir, { recursive: true });
      const tmp = fs.mkdtempSync(path.join(keyDir, 'tmp-'));
      const result = await esbuild.build({
        ...options,
        entryPoints: entries,
        outbase: serviceDir,
        outdir: tmp,
        absWorkingDir: serviceDir,
        metafile: true,
        logLevel: 'warning',
      });
      const inputs = Object.fromEntries(Object.keys(result.metafile.inputs).sort().map((file) => [file, fileHash(path.join(serviceDir, file))]));
      const id = `build-${sha(JSON.stringify(inputs)).slice(0, 16)}`;
      build = path.join(keyDir, id);
      try {
        fs.renameSync(tmp, build);
      } catch {
        fs.rmSync(tmp, { recursive: true, force: true }); // a parallel run built the same
      }
      const next = `${manifestFile}.${process.pid}`;
      fs.writeFileSync(next, JSON.stringify({ build: id, inputs }));
      fs.renameSync(next, manifestFile);
      this.removeOldBuilds(keyDir, id);
    }

    const workFolder = custom.outputWorkFolder || '.esbuild';
    const target = path.join(serviceDir, workFolder, 'offline-bundles');
    fs.rmSync(target, { recursive: true, force: true });
    linkTree(build, target);
    for (const fn of functions) fn.skipEsbuild = true;
    service.custom ??= {};
    service.custom['serverless-offline'] = { ...service.custom['serverless-offline'], location: path.relative(serviceDir, target) };
    const ms = Math.round(performance.now() - started);
    this.log.notice(`offline-bundles: ${entries.length} handlers ${reused ? 'reused from the cache (inputs unchanged)' : 'built in one esbuild run'} in ${ms} ms`);
  }

  /** The cached build folder if every input it was built from is unchanged. */
  cachedBuild(serviceDir, keyDir, manifestFile) {
    let manifest;
    try {
      manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
    } catch {
      return undefined;
    }
    const build = path.join(keyDir, manifest.build);
    if (!fs.existsSync(build)) return undefined;
    for (const [file, hash] of Object.entries(manifest.inputs)) {
      if (fileHash(path.join(serviceDir, file)) !== hash) return undefined;
    }
    return build;
  }

  removeOldBuilds(keyDir, keep) {
    for (const name of fs.readdirSync(keyDir)) {
      if (name === keep || name === 'manifest.json' || name.startsWith('manifest.json.')) continue;
      const dir = path.join(keyDir, name);
      try {
        if (Date.now() - fs.statSync(dir).mtimeMs > OLD_BUILD_MS) fs.rmSync(dir, { recursive: true, force: true });
      } catch {
        // removed by another run
      }
    }
  }
}

/**
 * The esbuild options serverless-esbuild derives from custom.esbuild for a runtime (`nodejs22.x`):
 * its own keys left out, `exclude` as externals, the output extension. test/unit/bundles.test.ts
 * builds with them too.
 */
function esbuildOptions(custom, runtime) {
  const { exclude = ['aws-sdk'], external = [], outputFileExtension = '.js' } = custom;
  const options = { bundle: true, platform: 'node', target: runtime.replace(/^nodejs(\d+)\.x$/, 'node$1') };
  for (const [key, value] of Object.entries(custom)) if (!PLUGIN_KEYS.includes(key)) options[key] = value;
  options.external = [...external, ...(exclude.includes('*') ? [] : exclude)];
  if (outputFileExtension !== '.js') options.outExtension = { '.js': outputFileExtension };
  return options;
}

/** functions/users-list.handler → functions/users-list.ts (whichever source file exists). */
function entryOf(serviceDir, handler) {
  const base = handler.slice(0, handler.lastIndexOf('.'));
  const ext = ENTRY_EXTENSIONS.find((e) => fs.existsSync(path.join(serviceDir, base + e)));
  if (!ext) throw new Error(`offline-bundles: no source file for handler ${handler}`);
  return base + ext;
}

module.exports = OfflineBundles;
module.exports.esbuildOptions = esbuildOptions;
module.exports.entryOf = entryOf;
