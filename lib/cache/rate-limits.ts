import { Ratelimit } from '@upstash/ratelimit';
import { optionalEnv } from '../config.ts';
import { tooManyRequests } from '../errors.ts';
import { logger } from '../log.ts';
import { keyPrefix, redis, REDIS_TIMEOUT_MS } from './redis.ts';

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


const limiters = new Map<RateLimitName, Ratelimit>();
let warnedNotConfigured = false;

function limiterFor(name: RateLimitName): Ratelimit | undefined {
  const rateRule = RATE_RULES[name];
  if (!rateRule) return undefined;
  if (!redis) {
    if (!warnedNotConfigured) logger.warn('UPSTASH_REDIS_REST_URL/TOKEN not set: rate limits are not enforced');
    warnedNotConfigured = true;
    return undefined;
  }
  let limiter = limiters.get(name);
  if (!limiter) {
    limiter = new Ratelimit({
      redis,
      limiter: Ratelimit.slidingWindow(rateRule.limit, `${rateRule.windowSeconds} s`),
      prefix: `${keyPrefix}:ratelimit:${name}`,
      analytics: false,
      timeout: REDIS_TIMEOUT_MS,
    });
    limiters.set(name, limiter);
  }
  return limiter;
}

export interface RateCheck {
  name: RateLimitName;
  /** Whom the limit counts: a user id, a username, an IP address. */
  identifier: string;
}

/**
 * Counts one request against each check (in parallel) and answers 429 if any is exhausted, with
 * the headers of the one that frees up last. A Redis that is down or missing never blocks: the
 * request goes through and the failure is logged.
 */
export async function enforceRateLimits(checks: RateCheck[], detail: string): Promise<void> {
  const outcomes = await Promise.all(checks.map(check));
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

async function check({ name, identifier }: RateCheck): Promise<Outcome | undefined> {
  const limiter = limiterFor(name);
  if (!limiter) return undefined;
  try {
    const result = await limiter.limit(identifier);
    if (result.reason === 'timeout') {
      logger.error('rate limit store timed out: request let through', { limit: name });
      return undefined;
    }
    return { name, success: result.success, limit: result.limit, remaining: result.remaining, reset: result.reset };
  } catch (error) {
    logger.error('rate limit store unavailable: request let through', { limit: name, error: String(error) });
    return undefined;
  }
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
