import { keyPrefix, redis } from '../cache/redis.ts';
import { AppError } from '../errors.ts';
import { logger } from '../log.ts';
import { connectionOwner, readAudience, roomMemberIds } from '../repository/connections.ts';
import { sendDeliveries } from './deliver.ts';
import { typingFrame } from './frames.ts';
import { IntervalThrottle } from './throttle.ts';

/** One typing frame per user and room per this interval; clients repeat it while typing. */
export const TYPING_INTERVAL_MS = 3000;

const local = new IntervalThrottle(TYPING_INTERVAL_MS);

/**
 * Whether this user's typing in this room may be relayed now. Across all function instances
 * through Redis (`SET … NX PX`: one call, the key expires by itself); in this instance alone when
 * Redis is not configured or fails (logged), so a Redis outage never stops typing.
 */
async function allowTyping(userId: number, roomId: number, now: number): Promise<boolean> {
  const key = `${roomId}:${userId}`;
  if (!redis) return local.allow(key, now);
  try {
    return (await redis.command(['set', `${keyPrefix}:typing:${key}`, 1, 'nx', 'px', TYPING_INTERVAL_MS])) === 'OK';
  } catch (error) {
    logger.warn('typing throttle: Redis failed, throttling in this instance only', { error: error as Error });
    return local.allow(key, now);
  }
}

/**
 * A client's `{"action": "typing", "room_id": N}`: relayed as a `typing` frame to every connection
 * of the room's OTHER current members, throttled per user and room, never stored. The sender must
 * be a current member (403 otherwise, as a send). DynamoDB: 1 GetItem (whose connection), 1 Query
 * (the member set), 1 BatchGetItem (username, connection lists) — the last two only when the
 * throttle lets it through.
 */
export async function relayTyping(connectionId: string, roomId: number, now = Date.now()): Promise<void> {
  const userId = await connectionOwner(connectionId);
  if (userId === undefined) throw new AppError(401, 'not_connected', 'This connection is not registered; reconnect.');
  if (!(await allowTyping(userId, roomId, now))) return;
  const memberIds = await roomMemberIds(roomId);
  if (!memberIds.includes(userId)) throw new AppError(403, 'forbidden', `You are not a member of room ${roomId}.`);
  const others = memberIds.filter((id) => id !== userId);
  const audience = await readAudience({ namedUserIds: [userId], recipientIds: others, now });
  const frame = typingFrame(roomId, { id: userId, username: audience.usernames.get(userId) ?? null });
  await sendDeliveries(audience.connections.map((connection) => ({ connection, frames: [frame] })), now);
}
