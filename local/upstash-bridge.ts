/**
 * A minimal Upstash-REST-compatible HTTP endpoint in front of a real Redis, for local development
 * and tests (no npm package emulates Upstash's REST API). It implements what @upstash/redis uses:
 *
 * - every request is `POST` with a JSON body and `Authorization: Bearer <token>` (401 otherwise);
 * - `POST /` with one command array → `{"result": …}`;
 * - `POST /pipeline` with an array of commands → `[{"result": …} | {"error": "…"}, …]` in order;
 * - `POST /multi-exec` same shapes, executed atomically (MULTI … EXEC);
 * - header `Upstash-Encoding: base64` → every string in results is base64 (integers stay numbers,
 *   nil is null, arrays recurse; RESP2 shapes, e.g. flat arrays for HGETALL);
 * - errors: non-2xx with `{"error": "…"}`; Redis unreachable → fast 503 (no offline queue);
 * - Lua scripts may carry Upstash's own shebang flag `allow-key-locking` (@upstash/ratelimit's do),
 *   which Redis refuses: it is dropped before the script reaches Redis (see forRedis).
 */
import http from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import { createClient, RESP_TYPES, ErrorReply } from 'redis';

export interface UpstashBridgeOptions {
  redisUrl: string;
  token: string;
  /** Port to listen on (127.0.0.1); 0 or undefined = a free port. */
  port?: number;
  /** Per-request limit on waiting for Redis, ms (default 5000) → 504. */
  commandTimeoutMs?: number;
  /** Connection problems are reported here (throttled); default: silent. */
  log?: (line: string) => void;
}

export interface UpstashBridge {
  url: string;
  /** Requests answered since start (or the last resetStats), and how long each took inside the bridge. */
  stats(): Promise<BridgeStats>;
  resetStats(): void;
  stop(): Promise<void>;
}

export interface BridgeStats {
  requests: number;
  /** Redis commands sent (a pipeline counts each of its commands). */
  commands: number;
  /** From the request's first byte to the answer written, inside the bridge. */
  latencyMs: { p50: number; p99: number; max: number };
}

/** Latencies kept for stats(): the most recent ones. */
const MAX_SAMPLES = 100_000;

const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** Bulk strings arrive as Buffers (binary-safe); status replies stay JS strings. */
const TYPE_MAPPING = { [RESP_TYPES.BLOB_STRING]: Buffer } as const;

class HttpError extends Error {
  status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

type Arg = string | Buffer;

function toArgs(command: unknown): Arg[] {
  if (!Array.isArray(command) || command.length === 0) {
    throw new HttpError(400, 'ERR a command must be a non-empty JSON array');
  }
  return forRedis(
    command.map((a: unknown): string => {
      if (typeof a === 'string') return a;
      if (typeof a === 'number' || typeof a === 'boolean' || typeof a === 'bigint') return String(a);
      if (a === null || a === undefined) throw new HttpError(400, 'ERR null is not a valid command argument');
      return JSON.stringify(a);
    }),
  );
}

/** Shebang flags only Upstash knows (it then locks only the script's KEYS); Redis refuses them. */
const UPSTASH_ONLY_SCRIPT_FLAGS = new Set(['allow-key-locking']);
/** SHA1 of a script as the client sent it → SHA1 of the script Redis was given. */
const scriptShaAliases = new Map<string, string>();
const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

/**
 * EVAL/EVAL_RO/SCRIPT LOAD: drop Upstash-only flags from the `#!lua` line. EVALSHA/EVALSHA_RO: the
 * client hashes the script it knows (with the flag), so that SHA is mapped to the one Redis has;
 * until the script was seen once, Redis answers NOSCRIPT and the client falls back to EVAL.
 */
function forRedis(args: string[]): string[] {
  const name = args[0]!.toUpperCase();
  const scriptAt = name === 'EVAL' || name === 'EVAL_RO' ? 1 : name === 'SCRIPT' && args[1]?.toUpperCase() === 'LOAD' ? 2 : -1;
  if (scriptAt > 0 && args[scriptAt] !== undefined) {
    const script = args[scriptAt]!;
    const redisScript = withoutUpstashFlags(script);
    if (redisScript === script) return args;
    scriptShaAliases.set(sha1(script), sha1(redisScript));
    return args.map((arg, i) => (i === scriptAt ? redisScript : arg));
  }
  if ((name === 'EVALSHA' || name === 'EVALSHA_RO') && args[1] !== undefined) {
    const alias = scriptShaAliases.get(args[1].toLowerCase());
    if (alias) return args.map((arg, i) => (i === 1 ? alias : arg));
  }
  return args;
}

function withoutUpstashFlags(script: string): string {
  const match = /^#!lua([^\n]*)/.exec(script);
  if (!match) return script;
  const options = match[1]!
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map((option) => {
      if (!option.startsWith('flags=')) return option;
      const flags = option.slice('flags='.length).split(',').filter((flag) => flag && !UPSTASH_ONLY_SCRIPT_FLAGS.has(flag));
      return flags.length > 0 ? `flags=${flags.join(',')}` : '';
    })
    .filter(Boolean);
  return `#!lua${options.length > 0 ? ` ${options.join(' ')}` : ''}${script.slice(match[0].length)}`;
}

/** Convert a node-redis RESP2 reply into Upstash's JSON shape. */
function encodeReply(reply: unknown, base64: boolean): unknown {
  if (reply === null || reply === undefined) return null;
  if (Buffer.isBuffer(reply)) return base64 ? reply.toString('base64') : reply.toString('utf8');
  if (typeof reply === 'string') {
    // A status reply (e.g. OK, PONG, QUEUED, the TYPE name). The client decodes every string but
    // the literal "OK", so everything else must be base64 too.
    if (!base64 || reply === 'OK') return reply;
    return Buffer.from(reply, 'utf8').toString('base64');
  }
  if (typeof reply === 'number') return reply;
  if (typeof reply === 'bigint') return Number(reply);
  if (typeof reply === 'boolean') return reply ? 1 : 0;
  if (Array.isArray(reply)) return reply.map((r) => encodeReply(r, base64));
  if (reply instanceof Error) return encodeReply(reply.message, base64);
  if (reply instanceof Map) {
    const flat: unknown[] = [];
    for (const [k, v] of reply) flat.push(encodeReply(k, base64), encodeReply(v, base64));
    return flat;
  }
  if (reply instanceof Set) return [...reply].map((r) => encodeReply(r, base64));
  if (typeof reply === 'object') return encodeReply(String(reply), base64);
  return reply;
}

function isRedisError(err: unknown): err is Error {
  return err instanceof ErrorReply;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Status for an error thrown while talking to Redis. */
function statusOf(err: unknown): number {
  if (err instanceof HttpError) return err.status;
  if (isRedisError(err)) return 400;
  return 503;
}

function tokenMatches(header: string | undefined, token: string): boolean {
  if (!header) return false;
  const m = /^Bearer\s+(.+)$/i.exec(header.trim());
  if (!m?.[1]) return false;
  const a = Buffer.from(m[1]);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, 'ERR request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(json),
  });
  res.end(json);
}

export async function startUpstashBridge(opts: UpstashBridgeOptions): Promise<UpstashBridge> {
  if (!opts.token) throw new Error('startUpstashBridge: a token is required');
  const log = opts.log ?? (() => {});
  const commandTimeoutMs = opts.commandTimeoutMs ?? 5000;

  const client = createClient({
    url: opts.redisUrl,
    RESP: 2,
    // Reject at once while disconnected instead of queueing (the app falls back to DynamoDB).
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 1000,
      reconnectStrategy: (retries: number) => Math.min(100 * (retries + 1), 1000),
    },
  });
  let lastErrorLog = 0;
  client.on('error', (err: unknown) => {
    const now = Date.now();
    if (now - lastErrorLog > 5000) {
      lastErrorLog = now;
      log(`upstash-bridge: redis ${opts.redisUrl}: ${errorMessage(err)}`);
    }
  });
  // Connect in the background; if Redis is not up yet the bridge still starts (and answers 503).
  const connecting = client.connect().then(
    () => true,
    () => false,
  );
  await Promise.race([
    connecting,
    new Promise((r) => client.once('error', r)),
    new Promise((r) => setTimeout(r, 3000).unref()),
  ]);

  function withTimeout<T>(p: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new HttpError(504, `ERR redis did not answer within ${commandTimeoutMs} ms`)), commandTimeoutMs);
    });
    return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
  }

  function run(args: Arg[]): Promise<unknown> {
    return client.sendCommand(args, { typeMapping: TYPE_MAPPING });
  }

  async function single(body: unknown, base64: boolean): Promise<{ status: number; body: unknown }> {
    const args = toArgs(body);
    try {
      const reply = await withTimeout(run(args));
      return { status: 200, body: { result: encodeReply(reply, base64) } };
    } catch (err) {
      return { status: statusOf(err), body: { error: errorMessage(err) } };
    }
  }

  function commandsOf(body: unknown): Arg[][] {
    if (!Array.isArray(body) || body.length === 0) {
      throw new HttpError(400, 'ERR the body must be a non-empty JSON array of commands');
    }
    return body.map(toArgs);
  }

  function assertReady(): void {
    if (!client.isReady) throw new HttpError(503, 'ERR redis is not reachable from the Upstash bridge');
  }

  async function pipeline(body: unknown, base64: boolean): Promise<{ status: number; body: unknown }> {
    const commands = commandsOf(body);
    assertReady();
    // Issued in one tick: node-redis writes them back to back (a real pipeline), replies in order.
    const settled = await withTimeout(Promise.allSettled(commands.map(run)));
    const connectionError = settled.find((s) => s.status === 'rejected' && !isRedisError(s.reason));
    if (connectionError && connectionError.status === 'rejected') {
      throw new HttpError(503, errorMessage(connectionError.reason));
    }
    return {
      status: 200,
      body: settled.map((s) =>
        s.status === 'fulfilled' ? { result: encodeReply(s.value, base64) } : { error: errorMessage(s.reason) },
      ),
    };
  }

  async function multiExec(body: unknown, base64: boolean): Promise<{ status: number; body: unknown }> {
    const commands = commandsOf(body);
    assertReady();
    // MULTI, the commands and EXEC are queued synchronously with one chainId, so nothing from
    // concurrent requests can interleave on the shared connection.
    const chainId = Symbol('multi-exec');
    const multi = client.sendCommand(['MULTI'], { chainId });
    const queued = commands.map((args) => client.sendCommand(args, { chainId, typeMapping: TYPE_MAPPING }));
    const exec = client.sendCommand(['EXEC'], { chainId, typeMapping: TYPE_MAPPING });
    const [multiR, execR, ...queuedR] = await withTimeout(Promise.allSettled([multi, exec, ...queued]));
    if (multiR?.status === 'rejected') {
      throw isRedisError(multiR.reason) ? new HttpError(400, multiR.reason.message) : new HttpError(503, errorMessage(multiR.reason));
    }
    if (execR?.status === 'rejected') {
      // EXECABORT: a command was rejected while queueing (wrong arity, unknown command, …).
      const firstQueueError = queuedR.find((q) => q.status === 'rejected');
      const detail = firstQueueError?.status === 'rejected' ? `: ${errorMessage(firstQueueError.reason)}` : '';
      const status = isRedisError(execR.reason) ? 400 : 503;
      throw new HttpError(status, `${errorMessage(execR.reason)}${detail}`);
    }
    const replies = execR?.value;
    if (!Array.isArray(replies)) {
      throw new HttpError(409, 'ERR transaction aborted');
    }
    return {
      status: 200,
      body: replies.map((r: unknown) =>
        r instanceof Error ? { error: r.message } : { result: encodeReply(r, base64) },
      ),
    };
  }

  let requests = 0;
  let commandCount = 0;
  let samples: number[] = [];
  const record = (started: number, commands: number): void => {
    requests++;
    commandCount += commands;
    if (samples.length >= MAX_SAMPLES) samples.shift();
    samples.push(performance.now() - started);
  };

  const server = http.createServer((req, res) => {
    const started = performance.now();
    let commands = 0;
    res.once('finish', () => record(started, commands));
    void (async () => {
      try {
        if (!tokenMatches(req.headers.authorization, opts.token)) {
          req.resume();
          send(res, 401, { error: 'Unauthorized: invalid or missing token' });
          return;
        }
        if (req.method !== 'POST') {
          req.resume();
          send(res, 405, { error: `ERR method ${req.method} not supported; use POST` });
          return;
        }
        const raw = await readBody(req);
        let body: unknown;
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          throw new HttpError(400, 'ERR the body is not valid JSON');
        }
        const encodingHeader = req.headers['upstash-encoding'];
        const base64 = typeof encodingHeader === 'string' && encodingHeader.toLowerCase() === 'base64';
        const path = (req.url ?? '/').split('?')[0]!.replace(/\/+$/, '') || '/';
        commands = Array.isArray(body) ? (path === '/' ? 1 : body.length) : 0;
        let out: { status: number; body: unknown };
        if (path === '/') out = await single(body, base64);
        else if (path === '/pipeline') out = await pipeline(body, base64);
        else if (path === '/multi-exec') out = await multiExec(body, base64);
        else throw new HttpError(404, `ERR unknown endpoint ${path}`);
        send(res, out.status, out.body);
      } catch (err) {
        if (!res.headersSent) send(res, statusOf(err), { error: errorMessage(err) });
        else res.destroy();
      }
    })();
  });

  // Clients (undici, in every Lambda worker) keep an idle connection as long as the server says
  // (Keep-Alive: timeout=…): a minute, so bursts seconds apart reuse connections, not reconnect.
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 61_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;

  let stopped: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    async stats() {
      const sorted = [...samples].sort((a, b) => a - b);
      const at = (q: number) => Math.round((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0) * 10) / 10;
      return { requests, commands: commandCount, latencyMs: { p50: at(0.5), p99: at(0.99), max: at(1) } };
    },
    resetStats() {
      requests = 0;
      commandCount = 0;
      samples = [];
    },
    stop() {
      stopped ??= (async () => {
        const closed = new Promise<void>((r) => server.close(() => r()));
        server.closeAllConnections();
        await closed;
        try {
          client.destroy();
        } catch {
          // already closed
        }
      })();
      return stopped;
    },
  };
}
