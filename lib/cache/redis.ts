import { Redis } from '@upstash/redis';
import { optionalEnv, stage } from '../config.ts';

const url = optionalEnv('UPSTASH_REDIS_REST_URL');
const token = optionalEnv('UPSTASH_REDIS_REST_TOKEN');

/**
 * The one Upstash Redis client of a function (the user-list cache and the rate limits share it),
 * or undefined when the stage has no Redis: callers then degrade (uncached, unlimited) and say so.
 * No retries: a Redis that is down must cost a request one failed call, not several.
 */
export const redis: Redis | undefined = url && token ? new Redis({ url, token, retry: false, enableTelemetry: false }) : undefined;

/** Every key of this service starts with this, so stages can share one Redis database. */
export const keyPrefix = `chat:${stage}`;
