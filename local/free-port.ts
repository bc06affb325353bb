import net from 'node:net';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import getPort from 'get-port';

/** A free TCP port on `host` (get-port: never the same one twice within this process for a while). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return getPort({ host });
}

/** `count` distinct free ports, none of `exclude` (ports already promised to something else). */
export async function freePorts(count: number, host = '127.0.0.1', exclude: number[] = []): Promise<number[]> {
  const ports: number[] = [];
  for (let n = 0; n < count; n++) ports.push(await getPort({ host, exclude: [...exclude, ...ports] }));
  return ports;
}

/**
 * True if something already listens on host:port. Our own code: get-port answers "which port may I
 * have" (it hands out another one instead), not whether this one is taken; and an address family
 * this machine lacks (no ::1) means nothing can listen there.
 */
export function isPortInUse(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'EADDRINUSE' || err.code === 'EACCES'));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(false)));
  });
}

/** Resolve an executable on PATH (like `which`), or undefined. Eight lines: no package needed. */
export function which(name: string, envPath = process.env.PATH ?? ''): string | undefined {
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
