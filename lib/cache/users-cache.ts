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

/**
 * The cached entry is one string, `<version>\n<etag>\n<body>`, not JSON: the body is JSON text
 * already, and wrapping it in a JSON object would escape it at every fill and parse all of it again
 * at every hit (~0.8 ms for a 1,000-user list) only to get the same text back. An ETag holds no
 * newline (`strongEtag` in lib/http/etag.ts: base64url in quotes). Anything else read back (an entry of an older format) is a miss.
 */
export function encodeEntry(version: number, list: SerializedList): string {
  return `${version}\n${list.etag}\n${list.body}`;
}

export function decodeEntry(raw: unknown): (SerializedList & { version: number }) | undefined {
  if (typeof raw !== 'string') return undefined;
  const first = raw.indexOf('\n');
  const second = first < 0 ? -1 : raw.indexOf('\n', first + 1);
  if (second < 0) return undefined;
  const version = Number(raw.slice(0, first));
  return Number.isInteger(version) ? { version, etag: raw.slice(first + 1, second), body: raw.slice(second + 1) } : undefined;
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
    const [storedVersion, storedBump, raw] = results(await redis.pipeline(read), read);
    version = Number(fromJson(storedVersion) ?? 0);
    bumpedAt = storedBump === null || storedBump === undefined ? undefined : Number(fromJson(storedBump));
    const entry = decodeEntry(raw);
    if (entry && entry.version === version) return { body: entry.body, etag: entry.etag, cache: 'hit' };
  } catch (error) {
    logger.warn('user list cache unavailable, reading the store', { error: String(error) });
    return { ...(await load()), cache: 'bypass' };
  }
  const loadStartedAt = Date.now();
  const list = await load();
  try {
    await redis.command(['set', listKey, encodeEntry(version, list), 'ex', fillTtlSeconds(loadStartedAt, bumpedAt)]);
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
