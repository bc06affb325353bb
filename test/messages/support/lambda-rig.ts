/**
 * What the timeout test needs that the shared local stack cannot give: a DynamoDB endpoint that
 * stalls the requests of one room, and a consumer that is killed when it runs past its timeout, as
 * Lambda kills a sandbox (serverless-offline answers 504 but lets the handler run on).
 *
 * - stallingProxy: forwards to DynamoDB Local; while stalling, holds every request whose body
 *   contains `marker` unanswered, until released.
 * - lambdaRig: a Lambda invoke endpoint for the SQS poller (local/sqs-poller.ts). Each invocation
 *   runs in a warm worker thread (support/consumer-worker.ts) with the given environment; one that
 *   is still running after `timeoutMs` is terminated and answered as Lambda answers a timeout.
 * Everything listens on 127.0.0.1 and is closed by stop().
 */
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { Worker } from 'node:worker_threads';
import type { SQSEvent } from 'aws-lambda';

const listen = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
};

const bodyOf = (request: IncomingMessage) =>
  new Promise<Buffer>((resolve) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
  });

export interface StallingProxy {
  url: string;
  stall(marker: string): void;
  /** Stops stalling and drops the held requests (their clients are gone by then). */
  release(): void;
  /** Requests held so far. */
  held(): number;
  stop(): Promise<void>;
}

export async function stallingProxy(target: string): Promise<StallingProxy> {
  let marker: string | undefined;
  const holding: ServerResponse[] = [];
  let heldCount = 0;
  const server = createServer(async (request, response) => {
    const body = await bodyOf(request);
    if (marker !== undefined && body.includes(marker)) {
      heldCount += 1;
      holding.push(response);
      return;
    }
    try {
      const answer = await fetch(new URL(request.url ?? '/', target), {
        method: request.method,
        headers: Object.fromEntries(Object.entries(request.headers).filter(([name]) => !['host', 'connection', 'content-length'].includes(name))) as Record<string, string>,
        body: request.method === 'GET' || request.method === 'HEAD' ? undefined : body,
      });
      response.writeHead(answer.status, Object.fromEntries(answer.headers));
      response.end(Buffer.from(await answer.arrayBuffer()));
    } catch {
      response.destroy();
    }
  });
  const url = await listen(server);
  const release = () => {
    marker = undefined;
    for (const response of holding.splice(0)) response.destroy();
  };
  return {
    url,
    stall: (value) => (marker = value),
    release,
    held: () => heldCount,
    async stop() {
      release();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export interface Invocation {
  /** The records' bodies. */
  bodies: string[];
  outcome: 'returned' | 'error' | 'timed out';
}

export interface LambdaRig {
  /** For the poller's lambdaInvokeUrl. */
  url: string;
  invocations: Invocation[];
  stop(): Promise<void>;
}

interface Sandbox {
  worker: Worker;
  ready: Promise<void>;
}

export async function lambdaRig(options: { env: Record<string, string>; timeoutMs: number }): Promise<LambdaRig> {
  const invocations: Invocation[] = [];
  const workerUrl = new URL('./consumer-worker.ts', import.meta.url);
  const sandbox = (): Sandbox => {
    const worker = new Worker(workerUrl, { env: { ...process.env, ...options.env } });
    const ready = new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
    });
    return { worker, ready };
  };
  let warm: Sandbox | undefined = sandbox();
  const live = new Set<Worker>([warm.worker]);

  const run = async (event: SQSEvent): Promise<{ status: number; headers: Record<string, string>; body: string; outcome: Invocation['outcome'] }> => {
    const current = warm ?? sandbox();
    warm = undefined;
    live.add(current.worker);
    await current.ready;
    const answer = await new Promise<{ result?: unknown; error?: string } | 'timed out'>((resolve) => {
      const timer = setTimeout(() => resolve('timed out'), options.timeoutMs);
      current.worker.once('message', (message: { result?: unknown; error?: string }) => {
        clearTimeout(timer);
        resolve(message);
      });
      current.worker.postMessage(event);
    });
    if (answer === 'timed out') {
      live.delete(current.worker);
      await current.worker.terminate();
      const seconds = (options.timeoutMs / 1000).toFixed(2);
      return { status: 200, headers: { 'X-Amz-Function-Error': 'Unhandled' }, body: JSON.stringify({ errorMessage: `Task timed out after ${seconds} seconds` }), outcome: 'timed out' };
    }
    warm = current;
    if (answer.error !== undefined) return { status: 200, headers: { 'X-Amz-Function-Error': 'Unhandled' }, body: JSON.stringify({ errorMessage: answer.error }), outcome: 'error' };
    return { status: 200, headers: {}, body: JSON.stringify(answer.result ?? null), outcome: 'returned' };
  };

  // One invocation at a time, as one sandbox serves one invocation.
  let queue = Promise.resolve();
  const server = createServer(async (request, response) => {
    const event = JSON.parse((await bodyOf(request)).toString('utf8')) as SQSEvent;
    const turn = queue.then(() => run(event));
    queue = turn.then(() => undefined, () => undefined);
    const answer = await turn;
    invocations.push({ bodies: event.Records.map((r) => r.body), outcome: answer.outcome });
    response.writeHead(answer.status, answer.headers).end(answer.body);
  });
  const url = await listen(server);
  return {
    url,
    invocations,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await Promise.all([...live].map((worker) => worker.terminate()));
    },
  };
}
