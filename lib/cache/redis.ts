import { Redis } from '@upstash/redis';
import { optionalEnv, stage } from '../config.ts';

const url = optionalEnv('UPSTASH_REDIS_REST_URL');
const token = optionalEnv('UPSTASH_REDIS_REST_TOKEN');

/** A Redis call that has not answered by then is abandoned: the request goes on without it. */
export const REDIS_TIMEOUT_MS = 1000;

/**
 * The one Upstash Redis client of a function (the user-list cache and the rate limits share it),
 * or undefined when the stage has no Redis: callers then degrade (uncached, unlimited) and say so.
 * No retries, and a timeout per call: a Redis that is down or hanging must cost a request one
 * failed call, not several, and never the Lambda's whole timeout. Answers are not base64-encoded
 * (`responseEncoding: false`): base64 protects values that are not valid UTF-8, and ours are JSON
 * text and numbers; encoding and decoding the cached user list (235 KB for 1,000 users) cost about
 * 2 ms of a 12 ms read on the local bridge (docs/performance.md).
 */
export const redis: Redis | undefined =
  url && token
    ? new Redis({ url, token, retry: false, enableTelemetry: false, responseEncoding: false, signal: () => AbortSignal.timeout(REDIS_TIMEOUT_MS) })
    : undefined;

/** Every key of this service starts with this, so stages can share one Redis database. */
export const keyPrefix = `chat:${stage}`;
