import { GetCommand, UpdateCommand } from '../aws/dynamodb.ts';
import type { ReadState } from '../reading/unread.ts';
import type { Membership, Room, Roster } from '../rooms/model.ts';
import { batchGet } from './batch.ts';
import { ddb, tables } from './client.ts';
import { keys } from './keys.ts';
import { toMembership, toRoom, toRoster } from './rooms.ts';
import { isConditionalCheckFailed, retryOnTransactionConflict } from './transactions.ts';

type Item = Record<string, unknown>;

const chat = tables.chat;

/** What a reader's request needs of one room; absent parts do not exist (or the reader is not a member). */
export interface ReaderRoom {
  roomId: number;
  room?: Room;
  roster?: Roster;
  membership?: Membership;
}

const find = (items: Item[], key: { PK: string; SK: string }) => items.find((item) => item.PK === key.PK && item.SK === key.SK);

/**
 * For each room: META and the reader's membership (with their read state), and optionally the
 * ROSTER; optionally the reader's user item. One strongly consistent BatchGetItem (100 keys per
 * call, calls in parallel): the cheap check a long poll repeats.
 */
export async function readerRooms(
  userId: number,
  roomIds: number[],
  options: { withRosters?: boolean; withUser?: boolean } = {},
): Promise<{ rooms: ReaderRoom[]; username?: string }> {
  const wanted = [
    ...(options.withUser ? [keys.user(userId)] : []),
    ...roomIds.flatMap((roomId) => [keys.room(roomId), keys.member(roomId, userId), ...(options.withRosters ? [keys.roster(roomId)] : [])]),
  ];
  const items = wanted.length > 0 ? await batchGet(chat, wanted, { consistent: true }) : [];
  const user = options.withUser ? find(items, keys.user(userId)) : undefined;
  return {
    rooms: roomIds.map((roomId) => {
      const meta = find(items, keys.room(roomId));
      const roster = options.withRosters ? find(items, keys.roster(roomId)) : undefined;
      const membership = find(items, keys.member(roomId, userId));
      return {
        roomId,
        ...(meta ? { room: toRoom(meta) } : {}),
        ...(roster ? { roster: toRoster(roster) } : {}),
        ...(membership ? { membership: toMembership(membership) } : {}),
      };
    }),
    ...(user ? { username: String(user.username) } : {}),
  };
}

/** The reader's current membership of a room, strongly consistent (after a lost condition). */
export async function readMembership(roomId: number, userId: number): Promise<Membership | undefined> {
  const { Item } = await ddb.send(new GetCommand({ TableName: chat, Key: keys.member(roomId, userId), ConsistentRead: true }));
  return Item ? toMembership(Item) : undefined;
}

/**
 * The update that replaces a member's read state `read` by `next`, on condition that the
 * membership still exists and its watermark and own-message list are still exactly as read: a
 * reader marking seen and the message consumer listing a member's messages both write it, and a
 * write conditioned on the watermark alone could drop what the other just added. Used alone
 * (replaceReadState) and in the transaction that stores a run of messages.
 */
export function readStateReplacement(roomId: number, userId: number, read: ReadState, next: ReadState) {
  const watermarkAsRead =
    read.lastSeenSequence === 0 ? '(attribute_not_exists(lastSeenSequence) OR lastSeenSequence = :read)' : 'lastSeenSequence = :read';
  const listAsRead =
    read.ownAfterWatermark.length === 0
      ? '(attribute_not_exists(ownAfterWatermark) OR size(ownAfterWatermark) = :zero)'
      : 'ownAfterWatermark = :readOwn';
  return {
    TableName: chat,
    Key: keys.member(roomId, userId),
    UpdateExpression: 'SET lastSeenSequence = :next, ownAfterWatermark = :nextOwn',
    ConditionExpression: `attribute_exists(PK) AND ${watermarkAsRead} AND ${listAsRead}`,
    ExpressionAttributeValues: {
      ':read': read.lastSeenSequence,
      ':next': next.lastSeenSequence,
      ':nextOwn': next.ownAfterWatermark,
      ...(read.ownAfterWatermark.length === 0 ? { ':zero': 0 } : { ':readOwn': read.ownAfterWatermark }),
    },
  };
}

/**
 * Replaces a member's read state `read` by `next` in ONE conditional UpdateItem
 * (readStateReplacement). `next` must be ahead of `read`. 'lost': the condition failed; the caller
 * re-reads.
 */
export async function replaceReadState(roomId: number, userId: number, read: ReadState, next: ReadState): Promise<'moved' | 'lost'> {
  try {
    await retryOnTransactionConflict(() => ddb.send(new UpdateCommand(readStateReplacement(roomId, userId, read, next))));
    return 'moved';
  } catch (error) {
    if (isConditionalCheckFailed(error)) return 'lost';
    throw error;
  }
}
