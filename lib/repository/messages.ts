import { QueryCommand, TransactWriteCommand } from '../aws/dynamodb.ts';
import type { StoredMessage } from '../messages/model.ts';
import type { RunContext, RunPlan } from '../messages/runs.ts';
import type { ReadState } from '../reading/unread.ts';
import { batchGet } from './batch.ts';
import { ddb, tables } from './client.ts';
import { keys, MAX_SEQUENCE } from './keys.ts';
import { readStateReplacement } from './read-state.ts';
import { recentSendersOf, toReadState } from './rooms.ts';
import { taskFailedWrite, taskSucceededWrite } from './tasks.ts';
import { cancellationCodes } from './transactions.ts';

type Item = Record<string, unknown>;

const findItem = (items: Item[], key: { PK: string; SK: string }) => items.find((item) => item.PK === key.PK && item.SK === key.SK);

/**
 * What a group send checks — the room's META, the sender's user item and their membership — in ONE
 * strongly consistent BatchGetItem (a member who has just joined can send at once).
 */
export async function readGroupSendContext(
  roomId: number,
  senderId: number,
): Promise<{ room?: { id: number; room_name: string; is_direct: boolean }; sender?: { id: number; username: string }; isMember: boolean }> {
  const [roomKey, userKey, memberKey] = [keys.room(roomId), keys.user(senderId), keys.member(roomId, senderId)];
  const items = await batchGet(tables.chat, [roomKey, userKey, memberKey], { consistent: true, attributes: ['PK', 'SK', 'room_name', 'is_direct', 'username'] });
  const [room, user] = [findItem(items, roomKey), findItem(items, userKey)];
  return {
    ...(room ? { room: { id: roomId, room_name: String(room.room_name), is_direct: room.is_direct === true } } : {}),
    ...(user ? { sender: { id: senderId, username: String(user.username) } } : {}),
    isMember: findItem(items, memberKey) !== undefined,
  };
}

/** What a direct send checks — both users and the pair's room id, if it has one — in ONE strongly consistent BatchGetItem. */
export async function readDirectSendContext(
  senderId: number,
  receiverId: number,
): Promise<{ sender?: { id: number; username: string }; receiver?: { id: number; username: string }; directRoomId?: number }> {
  const [senderKey, receiverKey, pairKey] = [keys.user(senderId), keys.user(receiverId), keys.directPair(senderId, receiverId)];
  const items = await batchGet(tables.chat, [senderKey, receiverKey, pairKey], { consistent: true, attributes: ['PK', 'SK', 'username', 'roomId'] });
  const [sender, receiver, pair] = [findItem(items, senderKey), findItem(items, receiverKey), findItem(items, pairKey)];
  return {
    ...(sender ? { sender: { id: senderId, username: String(sender.username) } } : {}),
    ...(receiver ? { receiver: { id: receiverId, username: String(receiver.username) } } : {}),
    ...(pair ? { directRoomId: Number(pair.roomId) } : {}),
  };
}

/** Whether every one of these users is a current member of the room (their membership items, one BatchGetItem). */
export async function areMembers(roomId: number, userIds: number[]): Promise<boolean> {
  const wanted = userIds.map((userId) => keys.member(roomId, userId));
  const items = await batchGet(tables.chat, wanted, { consistent: true, attributes: ['PK', 'SK'] });
  return wanted.every((key) => findItem(items, key) !== undefined);
}

type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

/**
 * What planning a run of a room's messages needs (lib/messages/runs.ts): the room's META and, for
 * each sender, their membership (read state) and user item — ONE strongly consistent BatchGetItem.
 * The membership item alone says who is in the room (never the ROSTER).
 */
export async function readRunContext(roomId: number, senderIds: number[]): Promise<RunContext> {
  const senders = [...new Set(senderIds)];
  const roomKey = keys.room(roomId);
  const items = await batchGet(tables.chat, [roomKey, ...senders.flatMap((id) => [keys.member(roomId, id), keys.user(id)])], {
    consistent: true,
    attributes: ['PK', 'SK', 'room_name', 'lastSequence', 'recentSenders', 'recentUpTo', 'lastSeenSequence', 'ownAfterWatermark', 'username'],
  });
  const find = (key: { PK: string; SK: string }) => findItem(items, key);
  const room = find(roomKey);
  return {
    room: room ? { id: roomId, room_name: String(room.room_name), lastSequence: optionalNumber(room.lastSequence), recentSenders: recentSendersOf(room) } : undefined,
    usernames: new Map(senders.map((id) => [id, optionalString(find(keys.user(id))?.username)])),
    members: new Map(senders.map((id) => [id, readStateOf(find(keys.member(roomId, id)))])),
  };
}

/** The read states of some members of a room (undefined: not a member), strongly consistent: one BatchGetItem. */
export async function readMemberStates(roomId: number, userIds: number[]): Promise<Map<number, ReadState | undefined>> {
  const items = await batchGet(tables.chat, userIds.map((id) => keys.member(roomId, id)), {
    consistent: true,
    attributes: ['PK', 'SK', 'lastSeenSequence', 'ownAfterWatermark'],
  });
  return new Map(userIds.map((id) => [id, readStateOf(findItem(items, keys.member(roomId, id)))]));
}

const optionalNumber = (value: unknown) => (value === undefined || value === null ? undefined : Number(value));
const optionalString = (value: unknown) => (value === undefined || value === null ? undefined : String(value));

const readStateOf = (membership: Item | undefined): ReadState | undefined => (membership ? toReadState(membership) : undefined);

/** Which condition of a run's transaction failed (tasks first: a finished task means a redelivery). */
export type StoreRunOutcome = 'stored' | 'task-finished' | 'room-changed' | 'membership-changed' | 'sequence-taken';

type ItemRole = 'room' | 'message' | 'task' | 'member';

/**
 * Stores a planned run in ONE transaction: the room's sequence moves from the run's
 * previousSequence to its lastSequence (with its recent senders), each stored message is created
 * (never over an existing one) and its task becomes SUCCESS, each rejected record's task FAILURE —
 * both only from an unfinished state: the exactly-once guard — and each membership the plan lists
 * messages in is rewritten, on condition that its read state is as read. Any lost condition
 * cancels every write.
 */
export async function storeRun(plan: RunPlan): Promise<StoreRunOutcome> {
  const at = new Date().toISOString();
  const items: TransactItem[] = [];
  const roles: ItemRole[] = [];
  const add = (role: ItemRole, item: TransactItem) => {
    roles.push(role);
    items.push(item);
  };
  const stored = plan.records.filter((record) => record.kind === 'store');
  if (stored.length > 0) add('room', { Update: roomSequenceUpdate(plan.roomId, plan.previousSequence, plan.lastSequence!, plan.recentSenders) });
  for (const record of plan.records) {
    if (record.kind === 'store') {
      add('message', {
        Put: {
          TableName: tables.chat,
          Item: { ...keys.message(record.message.roomId, record.message.sequence), type: 'message', ...record.message },
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      });
      add('task', taskSucceededWrite(record.queued.taskId, record.view, at));
    } else if (record.kind === 'reject') {
      add('task', taskFailedWrite(record.queued.taskId, record.reason, at));
    }
  }
  for (const { userId, read, next } of plan.recordings) add('member', { Update: readStateReplacement(plan.roomId, userId, read, next) });
  if (items.length === 0) return 'stored';
  try {
    await ddb.send(new TransactWriteCommand({ TransactItems: items }));
    return 'stored';
  } catch (error) {
    const codes = cancellationCodes(error);
    if (!codes) throw error;
    const failed = (role: ItemRole) => codes.some((code, i) => code === 'ConditionalCheckFailed' && roles[i] === role);
    if (failed('task')) return 'task-finished';
    if (failed('room')) return 'room-changed';
    if (failed('member')) return 'membership-changed';
    if (failed('message')) return 'sequence-taken';
    throw error; // a conflict with a concurrent transaction or a throttle: the caller retries
  }
}

function roomSequenceUpdate(roomId: number, previous: number | undefined, next: number, recentSenders: number[]) {
  return {
    TableName: tables.chat,
    Key: keys.room(roomId),
    UpdateExpression: 'SET lastSequence = :next, recentSenders = :recent, recentUpTo = :next',
    ConditionExpression:
      previous === undefined ? 'attribute_exists(PK) AND attribute_not_exists(lastSequence)' : 'attribute_exists(PK) AND lastSequence = :previous',
    ExpressionAttributeValues: { ':next': next, ':recent': recentSenders, ...(previous === undefined ? {} : { ':previous': previous }) },
  };
}

function fromItem(item: Record<string, unknown>): StoredMessage {
  const { PK, SK, type, ...message } = item;
  return message as unknown as StoredMessage;
}

export interface MessageRange {
  /** Inclusive sequence bounds. */
  from: number;
  to: number;
  newestFirst: boolean;
  /** DynamoDB's Limit: the most items this one Query may return. */
  limit: number;
}

/**
 * ONE Query of a room's messages with sequences from..to (`SK BETWEEN` the two message keys),
 * strongly consistent. `cut`: DynamoDB answered with a LastEvaluatedKey, i.e. it stopped at
 * `limit` items or at its 1 MB page size, after the last item returned; the caller continues
 * from that item.
 */
export async function queryMessageRange(roomId: number, range: MessageRange): Promise<{ messages: StoredMessage[]; cut: boolean }> {
  const answer = await ddb.send(
    new QueryCommand({
      TableName: tables.chat,
      KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
      ExpressionAttributeValues: {
        ':pk': keys.roomPartition(roomId).PK,
        ':from': keys.message(roomId, range.from).SK,
        ':to': keys.message(roomId, range.to).SK,
      },
      ScanIndexForward: !range.newestFirst,
      Limit: range.limit,
      ConsistentRead: true,
    }),
  );
  return { messages: (answer.Items ?? []).map(fromItem), cut: answer.LastEvaluatedKey !== undefined };
}

/**
 * A room's whole history in sequence order, page after page. For tests and tools only: no request
 * path reads a whole history (lib/reading reads one page per request).
 */
export async function listRoomMessages(roomId: number): Promise<StoredMessage[]> {
  const messages: StoredMessage[] = [];
  for (let from = 1; ; ) {
    const { messages: page, cut } = await queryMessageRange(roomId, { from, to: MAX_SEQUENCE, newestFirst: false, limit: 1000 });
    messages.push(...page);
    const last = page.at(-1);
    if (!cut || !last) return messages;
    from = last.sequence + 1;
  }
}
