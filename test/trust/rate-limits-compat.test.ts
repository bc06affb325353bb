import { randomUUID } from 'node:crypto';
import { Ratelimit } from '@upstash/ratelimit';
import { Redis } from '@upstash/redis';
import { describe, expect, it } from 'vitest';
import { TEST_FILE_HORIZON_SECONDS, windowWithoutBoundaryWithin } from '../support/rate-window.ts';

// lib/cache/rate-limits.ts runs @upstash/ratelimit's sliding window on our own Upstash client
// (lib/cache/redis.ts says why): the same script and keys, so the library and lib count the very
// same requests. Checked here by alternating them on one limit, in this file's own module
// registry and private stage, on the real Redis behind the Upstash REST bridge; in a window with
// no boundary during the run, so every count is exact.
const WINDOW_SECONDS = windowWithoutBoundaryWithin(TEST_FILE_HORIZON_SECONDS);
const LIMIT = 4;
process.env.STAGE = `ratelimit-compat-${randomUUID().slice(0, 8)}`;
process.env.RATE_LIMIT_SENDS = `${LIMIT}/${WINDOW_SECONDS}s`;
const { limitSends, rateLimitPrefix, SLIDING_WINDOW_SHA1 } = await import('../../lib/cache/rate-limits.ts');

const redis = new Redis({ url: process.env.UPSTASH_REDIS_REST_URL!, token: process.env.UPSTASH_REDIS_REST_TOKEN!, enableTelemetry: false });
const library = new Ratelimit({
  redis,
  limiter: Ratelimit.slidingWindow(LIMIT, `${WINDOW_SECONDS} s`),
  prefix: rateLimitPrefix('send'),
  analytics: false,
  ephemeralCache: false,
});

/** lib's verdict on one more send: 'allowed', or the 429's status and RateLimit headers. */
async function lib(senderId: number): Promise<'allowed' | { status: number; headers: Record<string, string> }> {
  try {
    await limitSends(senderId);
    return 'allowed';
  } catch (error) {
    const { status, headers } = error as { status: number; headers?: Record<string, string> };
    return { status, headers: headers ?? {} };
  }
}

const refused = { status: 429, headers: { 'RateLimit-Limit': String(LIMIT), 'RateLimit-Remaining': '0' } };

const senderId = () => 1_000_000 + Math.floor(Math.random() * 1_000_000_000);

describe('lib counts sends exactly as @upstash/ratelimit does', () => {
  it('alternating with the library on one limit: one shared count, refused by both at the limit', async () => {
    const sender = senderId();
    expect(await lib(sender)).toBe('allowed');
    expect(await library.limit(String(sender))).toMatchObject({ success: true, remaining: LIMIT - 2, limit: LIMIT });
    expect(await lib(sender)).toBe('allowed');
    expect(await library.limit(String(sender))).toMatchObject({ success: true, remaining: 0 });
    expect(await lib(sender)).toMatchObject(refused);
    expect(await library.limit(String(sender))).toMatchObject({ success: false, remaining: 0 });
    // Another sender has a budget of their own, in both.
    const other = senderId();
    expect(await library.limit(String(other))).toMatchObject({ success: true, remaining: LIMIT - 1 });
    expect(await lib(other)).toBe('allowed');
  });

  it('after the library used the whole budget, lib refuses at once', async () => {
    const sender = senderId();
    for (let n = 0; n < LIMIT; n++) expect((await library.limit(String(sender))).success).toBe(true);
    expect(await lib(sender)).toMatchObject(refused);
  });

  it('runs the library\'s own script (same SHA1), and gives its text to a Redis that does not know it', async () => {
    expect(SLIDING_WINDOW_SHA1).toBe('74740bb3d7792848093cdef586b6b6037c455fd6');
    await redis.scriptFlush();
    const sender = senderId();
    expect(await lib(sender)).toBe('allowed');
    // The library finds it under its SHA1 (an EVALSHA, no NOSCRIPT) and counts on.
    expect(await library.limit(String(sender))).toMatchObject({ success: true, remaining: LIMIT - 2 });
  });
});
