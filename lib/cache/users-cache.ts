import { logger } from '../log.ts';
import { fromJson, keyPrefix, redis, results, type RedisCommand } from './redis.ts';

/** The seed's cache lifetime. */
export const USER_LIST_TTL_SECONDS = 15 * 60;
/**
 * A fill whose store read began less than this after the last invalidation may have read GSI1
 * before the write that invalidated it reached the index (GSI1 is eventually consistent): it is
 * kept only FRESH_FILL_TTL_SECONDS, so a stale list cannot be pinned for the full TTL.
 */
export const CONSISTENCY_WINDOW_MS = 10_000;
export const FRESH_FILL_TTL_SECONDS = 5;

if (!redis) logger.warn('UPSTASH_REDIS_REST_URL/TOKEN not set: the user list is served uncached');

/**
 * Invalidation bumps a version (INCR, O(1)) and records when; the cached entry carries the version
 * it was filled for, so a reader that loaded the store before a write can only fill a superseded
 * entry, which no reader takes. A read is ONE round trip: the version, the bump time and the entry
 * in one pipeline.
 */
const versionKey = `${keyPrefix}:users:version`;
const bumpedKey = `${keyPrefix}:users:bumped`;
const listKey = `${keyPrefix}:users:list`;

/** The answer as sent: the serialized list and its ETag, computed once per fill. */
export interface SerializedList {
  body: string;
  etag: string;
}

interface CachedEntry extends SerializedList {
  version: number;
}

export type CacheOutcome = 'hit' | 'miss' | 'bypass';

export async function cachedUserList(load: () => Promise<SerializedList>): Promise<SerializedList & { cache: CacheOutcome }> {
  if (!redis) return { ...(await load()), cache: 'bypass' };
  let version: number;
  let bumpedAt: number | undefined;
  try {
    const read: RedisCommand[] = [
      ['get', versionKey],
      ['get', bumpedKey],
      ['get', listKey],
    ];
    const [storedVersion, storedBump, entry] = results(await redis.pipeline(read), read).map(fromJson) as [number | null, number | null, CachedEntry | null];
    version = Number(storedVersion ?? 0);
    bumpedAt = storedBump === null || storedBump === undefined ? undefined : Number(storedBump);
    if (entry && entry.version === version) return { body: entry.body, etag: entry.etag, cache: 'hit' };
  } catch (error) {
    logger.warn('user list cache unavailable, reading the store', { error: String(error) });
    return { ...(await load()), cache: 'bypass' };
  }
  const loadStartedAt = Date.now();
  const list = await load();
  try {
    const entry: CachedEntry = { ...list, version };
    await redis.command(['set', listKey, JSON.stringify(entry), 'ex', fillTtlSeconds(loadStartedAt, bumpedAt)]);
  } catch (error) {
    logger.warn('could not fill the user list cache', { error: String(error) });
  }
  return { ...list, cache: 'miss' };
}

/** How long a fill is kept: briefly if its store read began within the consistency window of the last bump. */
export function fillTtlSeconds(loadStartedAt: number, bumpedAt: number | undefined): number {
  const recent = bumpedAt !== undefined && loadStartedAt - bumpedAt < CONSISTENCY_WINDOW_MS;
  return recent ? FRESH_FILL_TTL_SECONDS : USER_LIST_TTL_SECONDS;
}

export async function invalidateUserList(): Promise<void> {
  if (!redis) return;
  try {
    const bump: RedisCommand[] = [
      ['set', bumpedKey, Date.now()],
      ['incr', versionKey],
    ];
    results(await redis.transaction(bump), bump);
  } catch (error) {
    // The write itself succeeded; a stale list can live at most one TTL.
    logger.error('could not invalidate the user list cache', { error: String(error) });
  }
}
