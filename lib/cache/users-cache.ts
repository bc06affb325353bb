import { logger } from '../log.ts';
import type { PublicUser } from '../users/model.ts';
import { keyPrefix, redis } from './redis.ts';

export const USER_LIST_TTL_SECONDS = 15 * 60;

if (!redis) logger.warn('UPSTASH_REDIS_REST_URL/TOKEN not set: the user list is served uncached');

/**
 * Invalidation is one INCR of a version that is part of the list's key, so it is O(1) and a reader
 * that loaded the store before a write can only fill the superseded key, never the current one.
 */
const versionKey = `${keyPrefix}:users:version`;
const listKey = (version: number) => `${keyPrefix}:users:list:v${version}`;

export type CacheOutcome = 'hit' | 'miss' | 'bypass';

export async function cachedUserList(
  load: () => Promise<PublicUser[]>,
): Promise<{ users: PublicUser[]; cache: CacheOutcome; version?: number }> {
  if (!redis) return { users: await load(), cache: 'bypass' };
  let version: number;
  try {
    version = Number((await redis.get<number>(versionKey)) ?? 0);
    const cached = await redis.get<PublicUser[]>(listKey(version));
    if (cached) return { users: cached, cache: 'hit', version };
  } catch (error) {
    logger.warn('user list cache unavailable, reading the store', { error: String(error) });
    return { users: await load(), cache: 'bypass' };
  }
  const users = await load();
  try {
    await redis.set(listKey(version), users, { ex: USER_LIST_TTL_SECONDS });
  } catch (error) {
    logger.warn('could not fill the user list cache', { error: String(error) });
  }
  return { users, cache: 'miss', version };
}

export async function invalidateUserList(): Promise<void> {
  if (!redis) return;
  try {
    await redis.incr(versionKey);
  } catch (error) {
    // The write itself succeeded; a stale list can live at most one TTL.
    logger.error('could not invalidate the user list cache', { error: String(error) });
  }
}
