'use strict';
/**
 * Local Serverless plugin for serverless-offline (npm start, the tests): an answer without a body
 * (204, 304) goes out without a Content-Type, as our functions send it. serverless-offline 14 gives
 * every Lambda answer `Content-Type: application/json` when the function set none, and hapi then
 * sends it even on a 204. Listed after serverless-offline in serverless.yml; `sls package` and
 * `sls deploy` never run it.
 */
const BODILESS = new Set([204, 304]);

class OfflineHttpEdges {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = { 'after:offline:start:init': () => this.install() };
  }

  install() {
    const offline = this.serverless.pluginManager.plugins.find((plugin) => plugin.constructor.name === 'ServerlessOffline');
    // internals() is serverless-offline's own way to reach its hapi server (its tests use it).
    const server = offline && typeof offline.internals === 'function' ? offline.internals().getApiGatewayServer() : undefined;
    if (!server) throw new Error('offline-http-edges: serverless-offline has not started its HTTP server');
    server.ext('onPreResponse', (request, h) => {
      const { response } = request;
      if (response && !response.isBoom && BODILESS.has(response.statusCode)) delete response.headers['content-type'];
      return h.continue;
    });
  }
}

module.exports = OfflineHttpEdges;
