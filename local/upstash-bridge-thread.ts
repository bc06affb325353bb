/**
 * The Upstash bridge in a worker thread of its own: its latency then does not depend on whatever
 * else the stack's process is doing (fauxqs, the SQS poller, forwarding serverless-offline's
 * output, vitest itself in tests). The worker runs local/upstash-bridge.ts unchanged.
 */
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { startUpstashBridge, type BridgeStats, type UpstashBridge, type UpstashBridgeOptions } from './upstash-bridge.ts';

type ToWorker = { type: 'stats'; id: number } | { type: 'resetStats' } | { type: 'stop' };
type FromWorker =
  | { type: 'ready'; url: string }
  | { type: 'log'; line: string }
  | { type: 'stats'; id: number; stats: BridgeStats }
  | { type: 'stopped' };

export async function startUpstashBridgeThread(opts: UpstashBridgeOptions): Promise<UpstashBridge> {
  const { log, ...data } = opts;
  const worker = new Worker(new URL(import.meta.url), { workerData: data });
  const pending = new Map<number, (stats: BridgeStats) => void>();
  let nextId = 0;
  let stopped: (() => void) | undefined;
  const url = await new Promise<string>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the Upstash bridge thread exited (code ${code}) before it listened`)));
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'ready') resolve(message.url);
      else if (message.type === 'log') log?.(message.line);
      else if (message.type === 'stats') pending.get(message.id)?.(message.stats);
      else if (message.type === 'stopped') stopped?.();
    });
  });
  worker.removeAllListeners('error').removeAllListeners('exit');
  worker.on('error', (error) => log?.(`upstash-bridge: thread failed: ${error.message}`));
  const send = (message: ToWorker) => worker.postMessage(message);
  let stopping: Promise<void> | undefined;
  return {
    url,
    stats: () =>
      new Promise<BridgeStats>((resolve) => {
        const id = nextId++;
        pending.set(id, (stats) => {
          pending.delete(id);
          resolve(stats);
        });
        send({ type: 'stats', id });
      }),
    resetStats: () => send({ type: 'resetStats' }),
    stop: () =>
      (stopping ??= (async () => {
        const done = new Promise<void>((resolve) => (stopped = resolve));
        send({ type: 'stop' });
        await Promise.race([done, new Promise((r) => setTimeout(r, 3000))]);
        await worker.terminate();
      })()),
  };
}

// The worker's side.
if (parentPort && workerData && (workerData as UpstashBridgeOptions).token) {
  const port = parentPort;
  const bridge = await startUpstashBridge({ ...(workerData as UpstashBridgeOptions), log: (line) => port.postMessage({ type: 'log', line } satisfies FromWorker) });
  port.on('message', async (message: ToWorker) => {
    if (message.type === 'stats') port.postMessage({ type: 'stats', id: message.id, stats: await bridge.stats() } satisfies FromWorker);
    else if (message.type === 'resetStats') bridge.resetStats();
    else if (message.type === 'stop') {
      await bridge.stop();
      port.postMessage({ type: 'stopped' } satisfies FromWorker);
    }
  });
  port.postMessage({ type: 'ready', url: bridge.url } satisfies FromWorker);
}
