import { createHash } from 'node:crypto';
import { optionalEnv } from '../config.ts';
import { tooManyRequests } from '../errors.ts';
import { logger } from '../log.ts';
import { keyPrefix, redis } from './redis.ts';

export interface RateRule {
  limit: number;
  windowSeconds: number;
}

/**
 * Rules from the environment, read at cold start: `<requests>/<seconds>s` (e.g. `30/10s`), or
 * `off`. A malformed value fails the function's start, so a typo cannot silently lift a limit.
 */
export function parseRateRule(name: string, value: string): RateRule | undefined {
  if (value.trim().toLowerCase() === 'off') return undefined;
  const match = /^\s*([1-9][0-9]{0,8})\s*\/\s*([1-9][0-9]{0,6})\s*s\s*$/.exec(value);
  if (!match) throw new Error(`${name} must look like 30/10s (requests per seconds) or off, got "${value}"`);
  return { limit: Number(match[1]), windowSeconds: Number(match[2]) };
}

const rule = (name: string, fallback: string) => parseRateRule(name, optionalEnv(name) ?? fallback);

/** Sends per sender; logins per username and per client IP; sign-ups per client IP. Sliding windows. */
export const RATE_RULES = {
  send: rule('RATE_LIMIT_SENDS', '30/10s'),
  loginUser: rule('RATE_LIMIT_LOGINS_PER_USER', '10/60s'),
  loginIp: rule('RATE_LIMIT_LOGINS_PER_IP', '30/60s'),
  signUpIp: rule('RATE_LIMIT_SIGNUPS_PER_IP', '10/60s'),
} as const;

export type RateLimitName = keyof typeof RATE_RULES;


/**
 * @upstash/ratelimit 2.2's single-region sliding window (`Ratelimit.slidingWindow`), run here on
 * our Upstash client (lib/cache/redis.ts says why not the library): the same Lua script, hence
 * the same SHA1 and the same keys (`<prefix>:<identifier>:<window number>`), so counts are shared
 * with anything that runs the library on the same prefix (test/trust/rate-limits-compat.test.ts
 * checks it against the library). Two fixed windows aligned on multiples of the window since the
 * epoch, the previous one weighed by how much of it still overlaps, rounded down. The script text
 * must stay byte for byte the library's (its SHA1 is the library's 74740bb3…).
 */
export const SLIDING_WINDOW_SCRIPT = `#!lua flags=allow-key-locking
  local currentKey  = KEYS[1]           -- identifier including prefixes
  local previousKey = KEYS[2]           -- key of the previous bucket
  local dynamicLimitKey = KEYS[3]       -- optional: key for dynamic limit in redis
  local tokens      = tonumber(ARGV[1]) -- default tokens per window
  local now         = ARGV[2]           -- current timestamp in milliseconds
  local window      = ARGV[3]           -- interval in milliseconds
  local incrementBy = tonumber(ARGV[4]) -- increment rate per request at a given value, default is 1

  -- Check for dynamic limit
  local effectiveLimit = tokens
  if dynamicLimitKey and dynamicLimitKey ~= "" then
    local dynamicLimit = redis.call("GET", dynamicLimitKey)
    if dynamicLimit then
      effectiveLimit = tonumber(dynamicLimit)
    end
  end

  local requestsInCurrentWindow = redis.call("GET", currentKey)
  if requestsInCurrentWindow == false then
    requestsInCurrentWindow = 0
  end

  local requestsInPreviousWindow = redis.call("GET", previousKey)
  if requestsInPreviousWindow == false then
    requestsInPreviousWindow = 0
  end
  local percentageInCurrent = ( now % window ) / window
  -- weighted requests to consider from the previous window
  requestsInPreviousWindow = math.floor(( 1 - percentageInCurrent ) * requestsInPreviousWindow)

  -- Only check limit if not refunding (negative rate)
  if incrementBy > 0 and requestsInPreviousWindow + requestsInCurrentWindow >= effectiveLimit then
    return {-1, effectiveLimit}
  end

  local newValue = redis.call("INCRBY", currentKey, incrementBy)
  if newValue == incrementBy then
    -- The first time this key is set, the value will be equal to incrementBy.
    -- So we only need the expire command once
    redis.call("PEXPIRE", currentKey, window * 2 + 1000) -- Enough time to overlap with a new window + 1 second
  end
  return {effectiveLimit - ( newValue + requestsInPreviousWindow ), effectiveLimit}
`;
export const SLIDING_WINDOW_SHA1 = createHash('sha1').update(SLIDING_WINDOW_SCRIPT).digest('hex');

/** Where a limit counts: `<prefix>:<identifier>:<window number>` (the library's `prefix` option). */
export const rateLimitPrefix = (name: RateLimitName) => `${keyPrefix}:ratelimit:${name}`;

/**
 * Identifiers refused in this instance, until their window's end: like the library's ephemeral
 * cache (on by default), a request from one of them is refused without a Redis round trip.
 */
const blockedUntil = new Map<string, number>();
let warnedNotConfigured = false;

export interface RateCheck {
  name: RateLimitName;
  /** Whom the limit counts: a user id, a username, an IP address. */
  identifier: string;
}

/**
 * Counts one request against each check (all in one round trip) and answers 429 if any is
 * exhausted, with the headers of the one that frees up last. A Redis that is down or missing never
 * blocks: the request goes through and the failure is logged.
 */
export async function enforceRateLimits(checks: RateCheck[], detail: string): Promise<void> {
  const outcomes = await countRequests(checks);
  const denied = outcomes.filter((outcome) => outcome !== undefined && !outcome.success);
  if (denied.length === 0) return;
  const worst = denied.reduce((a, b) => (b!.reset > a!.reset ? b : a))!;
  logger.info('rate limited', { limits: denied.map((outcome) => outcome!.name) });
  throw tooManyRequests(detail, { limit: worst.limit, remaining: worst.remaining, resetSeconds: (worst.reset - Date.now()) / 1000 });
}

interface Outcome {
  name: RateLimitName;
  success: boolean;
  limit: number;
  remaining: number;
  reset: number;
}

interface Pending {
  check: RateCheck;
  /** `<prefix>:<identifier>`, of the block list; the windows' keys are `<key>:<window number>`. */
  key: string;
  keys: [string, string];
  args: number[];
  reset: number;
}

async function countRequests(checks: RateCheck[]): Promise<(Outcome | undefined)[]> {
  const outcomes: (Outcome | undefined)[] = checks.map(() => undefined);
  if (!redis) {
    if (!warnedNotConfigured && checks.some((check) => RATE_RULES[check.name])) {
      logger.warn('UPSTASH_REDIS_REST_URL/TOKEN not set: rate limits are not enforced');
      warnedNotConfigured = true;
    }
    return outcomes;
  }
  const now = Date.now();
  const pending = new Map<number, Pending>();
  checks.forEach((check, i) => {
    const rule = RATE_RULES[check.name];
    if (!rule) return;
    const windowMs = rule.windowSeconds * 1000;
    const key = `${rateLimitPrefix(check.name)}:${check.identifier}`;
    const window = Math.floor(now / windowMs);
    const blocked = blockedUntil.get(key);
    if (blocked !== undefined && blocked >= now) {
      outcomes[i] = { name: check.name, success: false, limit: rule.limit, remaining: 0, reset: blocked };
      return;
    }
    if (blocked !== undefined) blockedUntil.delete(key);
    pending.set(i, { check, key, keys: [`${key}:${window}`, `${key}:${window - 1}`], args: [rule.limit, now, windowMs, 1], reset: (window + 1) * windowMs });
  });
  if (pending.size === 0) return outcomes;
  const evaluate = (script: 'evalsha' | 'eval', indexes: number[]) => {
    const body = script === 'evalsha' ? SLIDING_WINDOW_SHA1 : SLIDING_WINDOW_SCRIPT;
    return redis!.pipeline(indexes.map((i) => [script, body, 2, ...pending.get(i)!.keys, ...pending.get(i)!.args]));
  };
  try {
    const indexes = [...pending.keys()];
    const replies = new Map((await evaluate('evalsha', indexes)).map((reply, n) => [indexes[n]!, reply]));
    // Redis does not know the script yet (a new or flushed database): once with its text.
    const unknown = indexes.filter((i) => replies.get(i)!.error?.includes('NOSCRIPT'));
    if (unknown.length > 0) (await evaluate('eval', unknown)).forEach((reply, n) => replies.set(unknown[n]!, reply));
    for (const [i, { check, key, reset }] of pending) {
      const reply = replies.get(i)!;
      if (reply.error) {
        logger.error('rate limit store unavailable: request let through', { limit: check.name, error: reply.error });
        continue;
      }
      const [remaining, limit] = reply.result as [number, number];
      const success = remaining >= 0;
      if (!success) blockedUntil.set(key, reset);
      outcomes[i] = { name: check.name, success, limit, remaining: Math.max(0, remaining), reset };
    }
  } catch (error) {
    const timedOut = error instanceof Error && error.name === 'TimeoutError';
    for (const { check } of pending.values()) {
      if (timedOut) logger.error('rate limit store timed out: request let through', { limit: check.name });
      else logger.error('rate limit store unavailable: request let through', { limit: check.name, error: String(error) });
    }
  }
  return outcomes;
}

export const limitSends = (senderId: number) =>
  enforceRateLimits([{ name: 'send', identifier: String(senderId) }], 'Too many messages from this user; wait before sending more.');

export const limitLogins = (username: string, sourceIp: string) =>
  enforceRateLimits(
    [
      { name: 'loginUser', identifier: username },
      { name: 'loginIp', identifier: sourceIp },
    ],
    'Too many login attempts; wait before trying again.',
  );

export const limitSignUps = (sourceIp: string) =>
  enforceRateLimits([{ name: 'signUpIp', identifier: sourceIp }], 'Too many sign-ups from this address; wait before trying again.');
