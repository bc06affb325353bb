import { exchange } from '../aws/http.ts';
import { optionalEnv, stage } from '../config.ts';

const url = optionalEnv('UPSTASH_REDIS_REST_URL');
const token = optionalEnv('UPSTASH_REDIS_REST_TOKEN');

/** A Redis call that has not answered by then is abandoned: the request goes on without it. */
export const REDIS_TIMEOUT_MS = 1000;

/** A command as Upstash's REST API takes it: `['SET', key, value, 'EX', 60]`. */
export type RedisCommand = (string | number)[];

/** One command's reply in a pipeline or a transaction: a result or an error, in order. */
export interface RedisReply {
  result?: unknown;
  error?: string;
}

export class UpstashError extends Error {
  override name = 'UpstashError';
}

/**
 * The few calls this service makes to Upstash Redis (GET, SET with EX or NX PX, INCR, EVALSHA and
 * EVAL), over Upstash's REST protocol exactly as @upstash/redis 1.39 speaks it: every request a
 * `POST` of JSON with `Authorization: Bearer <token>`, one command to `/`, several to `/pipeline`
 * or, atomically, to `/multi-exec`; an error is a non-2xx `{"error": …}` (a command of a pipeline
 * fails alone, in its own reply); Upstash's read-your-writes token goes back with every request.
 *
 * Why not @upstash/redis itself (the design names it): its `Redis` (and its `Pipeline`) is one
 * class with a field for each of ~250 commands, so a function that imports it bundles all of them,
 * 78.5 KB minified of the ~300 KB a Lambda bundle may weigh (docs/performance.md, "Bundles"); its
 * package exports nothing smaller (no command classes, no HTTP client). And @upstash/ratelimit
 * (30 KB, +6 KB of analytics) takes that client: lib/cache/rate-limits.ts runs its sliding window,
 * same script and keys. The local bridge's tests still check it against the libraries themselves.
 *
 * Like the client we had: no retries, and a timeout per call (REDIS_TIMEOUT_MS, TimeoutError), so a
 * Redis that is down or hanging costs a request one failed call, never the Lambda's whole timeout.
 * Over node:https (lib/aws/http.ts, the AWS calls' keep-alive transport), not fetch: a cold
 * function's first fetch loads undici, ~38 ms more for its first Redis call. Answers are
 * not base64-encoded: base64 protects values that are not valid UTF-8, and ours are JSON text and
 * numbers; encoding and decoding the cached user list (235 KB for 1,000 users) cost about 2 ms of a
 * 12 ms read on the local bridge (docs/performance.md). No telemetry headers.
 */
export class UpstashRest {
  private readonly origin: string;
  private readonly basePath: string;
  private readonly token: string;
  private syncToken = '';

  constructor(baseUrl: string, token: string) {
    this.token = token;
    const trimmed = baseUrl.replace(/\/$/, '');
    if (!/^https?:\/\/[^\s#$./?].\S*$/.test(trimmed)) throw new Error(`UPSTASH_REDIS_REST_URL must be an http(s) URL, got "${baseUrl}"`);
    const url = new URL(trimmed);
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/$/, '');
  }

  /** One command (POST /): its result; an error reply throws. */
  async command(command: RedisCommand): Promise<unknown> {
    const reply = (await this.post('', command)) as RedisReply;
    if (reply.error) throw new UpstashError(reply.error);
    return reply.result;
  }

  /** Commands in one round trip (POST /pipeline), not atomic: a reply per command. */
  pipeline(commands: RedisCommand[]): Promise<RedisReply[]> {
    return this.post('/pipeline', commands) as Promise<RedisReply[]>;
  }

  /** Commands run atomically (POST /multi-exec, MULTI … EXEC): a reply per command. */
  transaction(commands: RedisCommand[]): Promise<RedisReply[]> {
    return this.post('/multi-exec', commands) as Promise<RedisReply[]>;
  }

  private async post(path: string, body: RedisCommand | RedisCommand[]): Promise<unknown> {
    const answer = await exchange(
      {
        origin: this.origin,
        method: 'POST',
        path: `${this.basePath}${path}` || '/',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}`, 'upstash-sync-token': this.syncToken },
        body: JSON.stringify(body),
      },
      { connectionTimeoutMs: REDIS_TIMEOUT_MS, requestTimeoutMs: REDIS_TIMEOUT_MS },
    );
    const text = answer.body.toString('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new UpstashError(`Unable to parse response body: ${text.length > 200 ? `${text.slice(0, 200)}...` : text}`, { cause: error });
    }
    if (answer.status < 200 || answer.status >= 300) throw new UpstashError(`${(parsed as RedisReply).error}, command was: ${JSON.stringify(body)}`);
    this.syncToken = (answer.headers['upstash-sync-token'] as string | undefined) ?? '';
    return parsed;
  }
}

/** Every reply's result, or the first error thrown (as @upstash/redis's pipeline `exec()`). */
export function results(replies: RedisReply[], commands: RedisCommand[]): unknown[] {
  return replies.map(({ result, error }, i) => {
    if (error) throw new UpstashError(`Command ${i + 1} [ ${commands[i]![0]} ] failed: ${error}`);
    return result;
  });
}

/**
 * A stored value as @upstash/redis gives it back: JSON text parsed, anything else as it is. Values
 * are stored as JSON (`JSON.stringify` of an object, a number as it is).
 */
export function fromJson(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    const parsed: unknown = JSON.parse(value);
    // A number that would not read back the same (precision, "1.0") stays the text it was.
    return typeof parsed === 'number' && String(parsed) !== value ? value : parsed;
  } catch {
    return value;
  }
}

/**
 * The one Upstash Redis client of a function (the user-list cache, the rate limits and the typing
 * throttle share it), or undefined when the stage has no Redis: callers then degrade (uncached,
 * unlimited) and say so.
 */
export const redis: UpstashRest | undefined = url && token ? new UpstashRest(url, token) : undefined;

/** Every key of this service starts with this, so stages can share one Redis database. */
export const keyPrefix = `chat:${stage}`;
