import https from 'node:https';
import type { Agent, ClientRequest, IncomingHttpHeaders, IncomingMessage, RequestOptions } from 'node:http';

/**
 * One HTTP exchange over node:https (a keep-alive agent per process), or node:http for the local
 * emulators. Not `fetch`: its first call loads undici, ~40–50 ms of a cold start. node:http is
 * taken with process.getBuiltinModule and only when a plain-http endpoint is used: importing it
 * as an ES module evaluates its lazy WebSocket getters (undici again, ~20 ms), node:https does not.
 */
export interface HttpLimits {
  /** A connection not established by then fails the attempt (TimeoutError). */
  connectionTimeoutMs: number;
  /** The whole attempt, connect to last byte of the answer (TimeoutError, code ETIMEDOUT). */
  requestTimeoutMs: number;
}

export interface HttpExchange {
  /** `https://host[:port]` or `http://…`, no path. */
  origin: string;
  method: string;
  /** Path and query, already encoded. */
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * Errors on a connection that the AWS SDK's node-http-handler renamed TimeoutError (a refused
 * connect reached its callers as Node's own Error); all stay retryable by their `code`.
 */
const TIMEOUT_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

const agentOptions = { keepAlive: true, maxSockets: 50 };
let httpsAgent: Agent | undefined;
let plain: { request: typeof https.request; agent: Agent } | undefined;

function transport(origin: URL): { request: typeof https.request; agent: Agent } {
  if (origin.protocol === 'https:') return { request: https.request, agent: (httpsAgent ??= new https.Agent(agentOptions)) };
  if (origin.protocol !== 'http:') throw new Error(`Unsupported endpoint protocol ${origin.protocol}`);
  if (!plain) {
    const http = process.getBuiltinModule('node:http');
    plain = { request: http.request as typeof https.request, agent: new http.Agent(agentOptions) };
  }
  return plain;
}

export function timeoutError(message: string, code?: string): Error {
  return Object.assign(new Error(message), { name: 'TimeoutError' }, code ? { code } : {});
}

export function exchange(request: HttpExchange, limits: HttpLimits): Promise<HttpAnswer> {
  const origin = new URL(request.origin);
  const { request: send, agent } = transport(origin);
  const options: RequestOptions = {
    protocol: origin.protocol,
    hostname: origin.hostname.replace(/^\[|\]$/g, ''),
    port: origin.port || undefined,
    method: request.method,
    path: request.path,
    headers: request.headers,
    agent,
  };
  return new Promise<HttpAnswer>((resolve, reject) => {
    let settled = false;
    let connectTimer: NodeJS.Timeout | undefined;
    const finish = (error: Error | undefined, answer?: HttpAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(attemptTimer);
      clearTimeout(connectTimer);
      if (error) {
        req.destroy();
        reject(error);
      } else resolve(answer!);
    };
    const req: ClientRequest = send(options, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => finish(undefined, { status: res.statusCode ?? -1, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', (error) => finish(asTransportError(error)));
      res.on('close', () => {
        if (!res.complete) finish(Object.assign(new Error('aborted: the connection closed before the whole answer arrived'), { code: 'ECONNRESET' }));
      });
    });
    const attemptTimer = setTimeout(
      () => finish(timeoutError(`${request.method} ${origin.host} did not answer within ${limits.requestTimeoutMs} ms`, 'ETIMEDOUT')),
      limits.requestTimeoutMs,
    );
    req.once('socket', (socket) => {
      if (!socket.connecting) return;
      connectTimer = setTimeout(() => finish(timeoutError(`No connection to ${origin.host} within ${limits.connectionTimeoutMs} ms`)), limits.connectionTimeoutMs);
      socket.once('connect', () => clearTimeout(connectTimer));
    });
    req.on('error', (error) => finish(asTransportError(error)));
    req.end(request.body);
  });
}

function asTransportError(error: Error): Error {
  const code = (error as Error & { code?: string }).code;
  return code && TIMEOUT_CODES.has(code) ? Object.assign(error, { name: 'TimeoutError' }) : error;
}
