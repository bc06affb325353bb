import { logger } from '../log.ts';
import { readMembership, replaceReadState } from '../repository/read-state.ts';
import { advancedReadState, type ReadState } from './unread.ts';

/**
 * The reader has seen the room up to `seenUpTo`: ONE conditional UpdateItem moves their watermark
 * forward (never back) and prunes their own messages at or below it. `read` is the membership the
 * request already read for its access check. On a lost condition (a concurrent reader, or the
 * consumer storing the reader's own message) the membership is read again and the write retried;
 * every lost condition means another writer moved the state, so the retries end soon: at the
 * latest once the watermark is at or past `seenUpTo`, which needs no write.
 * Returns the read state now stored, or undefined when nothing was written. A failed write is
 * logged, never the reader's error: the read itself succeeded.
 */
export async function markSeen(roomId: number, userId: number, read: ReadState, seenUpTo: number): Promise<ReadState | undefined> {
  try {
    return await moveWatermark(roomId, userId, read, seenUpTo);
  } catch (error) {
    // The reader still gets what they asked for; the next read marks it again.
    logger.error('could not mark messages seen', { roomId, userId, seenUpTo, error: error as Error });
    return undefined;
  }
}

const MAX_ATTEMPTS = 8;

async function moveWatermark(roomId: number, userId: number, read: ReadState, seenUpTo: number): Promise<ReadState | undefined> {
  let current = read;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const next = advancedReadState(current, seenUpTo);
    if (!next) return undefined;
    if ((await replaceReadState(roomId, userId, current, next)) === 'moved') return next;
    if (attempt === MAX_ATTEMPTS) break;
    const reread = await readMembership(roomId, userId);
    if (!reread) return undefined; // left the room meanwhile: nothing to mark
    current = reread;
  }
  // Only a watermark losing to MAX_ATTEMPTS writers in a row gets here; the next read marks it again.
  logger.warn('read watermark kept changing; left for the next read', { roomId, userId, seenUpTo });
  return undefined;
}
