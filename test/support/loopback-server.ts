import { createServer, type RequestListener, type Server } from 'node:http';
import { afterAll, beforeAll } from 'vitest';

/**
 * An HTTP server on a free loopback port for the tests of one file: started before them, its open
 * connections cut and the server closed after them. `endpoint` (`http://127.0.0.1:<port>`) and
 * `server` are set once it listens.
 */
export function loopbackServer(handler: RequestListener): { endpoint: string; server: Server } {
  const local = { endpoint: '', server: createServer(handler) };
  beforeAll(async () => {
    await new Promise<void>((resolve) => local.server.listen(0, '127.0.0.1', resolve));
    local.endpoint = `http://127.0.0.1:${(local.server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    local.server.closeAllConnections();
    await new Promise((resolve) => local.server.close(resolve));
  });
  return local;
}
