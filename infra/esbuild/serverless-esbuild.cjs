'use strict';
/**
 * serverless-esbuild, loaded only by the commands that need it (package, deploy, invoke local, …).
 * `sls offline start` gets its handlers from local/offline-bundles.cjs instead, and loading
 * serverless-esbuild (effect, @effect/platform-node, …) is about a second of every `npm start`.
 */
module.exports = function ServerlessEsbuild(serverless, options, utils) {
  if (serverless.processedInput?.commands?.[0] === 'offline') return { hooks: {} };
  const Plugin = require('serverless-esbuild');
  return new Plugin(serverless, options, utils);
};
