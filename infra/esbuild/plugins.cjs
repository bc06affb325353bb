'use strict';
/**
 * esbuild plugins of the Lambda bundles (serverless.yml custom.esbuild.plugins; local/offline-bundles.cjs
 * loads them too, so `sls offline` runs what is deployed).
 *
 * sdk-client-version: each AWS SDK client imports its whole package.json (its dependency lists,
 * scripts, …: 2.3–2.4 KB minified) for one field, the `version` in its User-Agent
 * (dist-es/runtimeConfig.js `packageInfo.version`; test/unit/esbuild-plugins.test.ts checks that it
 * reads nothing else). esbuild cannot leave out the rest of a JSON file imported whole, so a
 * client's package.json reaches the bundle as `{"version": …}` only.
 */
const fs = require('node:fs');

const sdkClientVersion = {
  name: 'sdk-client-version',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]package\.json$/ }, async (args) => {
      const { version } = JSON.parse(await fs.promises.readFile(args.path, 'utf8'));
      return { contents: JSON.stringify({ version }), loader: 'json' };
    });
  },
};

module.exports = [sdkClientVersion];
