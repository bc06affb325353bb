/**
 * fauxqs, the SQS emulator, in this process, on 127.0.0.1. Its startFauxqs() always listens on
 * 0.0.0.0, so this builds its app the same way (buildApp, exported for that) and listens on
 * loopback only. Queue URLs are handed out on this endpoint (resources.ts, onEndpoint).
 */
import { buildApp } from 'fauxqs';

export interface SqsEmulator {
  endpoint: string;
  stop(): Promise<void>;
}

export async function startSqsEmulator(): Promise<SqsEmulator> {
  const app = buildApp({ logger: false });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = new URL(address);
  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () => (stopped ??= app.close().then(() => undefined)),
  };
}
