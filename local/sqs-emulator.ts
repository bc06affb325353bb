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

/** On `port` (0: any free port). */
export async function startSqsEmulator(port = 0): Promise<SqsEmulator> {
  const app = buildApp({ logger: false });
  const address = await app.listen({ port, host: '127.0.0.1' });
  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${new URL(address).port}`,
    stop: () => (stopped ??= app.close().then(() => undefined)),
  };
}
