import { QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { SenderReadState, StoredMessage } from '../messages/model.ts';
import { batchGet } from './batch.ts';
import { ddb, tables } from './client.ts';
import { keys, MAX_SEQUENCE } from './keys.ts';
import { taskSucceededWrite } from './tasks.ts';
import { cancellationCodes } from './transactions.ts';

/** What storing a message in a room must know, read together and strongly consistent. */
export interface PersistContext {
  /** The room's META; lastSequence undefined when the attribute was never written. */
  room?: { id: number; room_name: string; lastSequence: number | undefined };
  /** The sender's current membership (absent once they left). */
  /** The sender's watermark and how many of their own messages are kept above it. */
  membership?: { lastSeenSequence: number | undefined; ownAfterWatermark: number };
  sender?: { id: number; username: string };
}

export async function readPersistContext(roomId: number, senderId: number): Promise<PersistContext> {
  const roomKey = keys.room(roomId);
  const memberKey = keys.member(roomId, senderId);
  const userKey = keys.user(senderId);
  const items = await batchGet(tables.chat, [roomKey, memberKey, userKey], {
    consistent: true,
    attributes: ['PK', 'SK', 'room_name', 'lastSequence', 'lastSeenSequence', 'ownAfterWatermark', 'username'],
  });
  const find = (key: { PK: string; SK: string }) => items.find((item) => item.PK === key.PK && item.SK === key.SK);
  const room = find(roomKey);
  const membership = find(memberKey);
  const user = find(userKey);
  return {
    ...(room ? { room: { id: roomId, room_name: String(room.room_name), lastSequence: optionalNumber(room.lastSequence) } } : {}),
    ...(membership
      ? {
          membership: {
            lastSeenSequence: optionalNumber(membership.lastSeenSequence),
            ownAfterWatermark: Array.isArray(membership.ownAfterWatermark) ? membership.ownAfterWatermark.length : 0,
          },
        }
      : {}),
    ...(user ? { sender: { id: senderId, username: String(user.username) } } : {}),
  };
}

const optionalNumber = (value: unknown) => (value === undefined || value === null ? undefined : Number(value));

export interface StoreMessageInput {
  message: StoredMessage;
  /** The room's lastSequence as read (undefined: never written); the message takes the next one. */
  previousSequence: number | undefined;
  /** The sender's watermark as read, and how storing this message moves it. */
  senderWatermark: number | undefined;
  senderReadState: SenderReadState;
  /** The task's SUCCESS result. */
  taskResult: unknown;
}

/** Which condition of the transaction failed, in item order. */
export type StoreMessageOutcome = 'stored' | 'task-finished' | 'room-changed' | 'membership-changed' | 'sequence-taken';

/**
 * Stores a message in ONE transaction: the room's sequence moves from `previousSequence` to the
 * message's, the message item is created, its task becomes SUCCESS (only from an unfinished state:
 * the exactly-once guard), and the sender's read state takes the message as seen. Any lost
 * condition cancels all four writes.
 */
export async function storeMessage(input: StoreMessageInput): Promise<StoreMessageOutcome> {
  const { message } = input;
  const at = new Date().toISOString();
  try {
    await ddb.send(
      new TransactWriteCommand({
        TransactItems: [
          { Update: roomSequenceUpdate(message.roomId, input.previousSequence, message.sequence) },
          {
            Put: {
              TableName: tables.chat,
              Item: { ...keys.message(message.roomId, message.sequence), type: 'message', ...message },
              ConditionExpression: 'attribute_not_exists(PK)',
            },
          },
          taskSucceededWrite(message.taskId, input.taskResult, at),
          { Update: senderReadStateUpdate(message, input.senderWatermark, input.senderReadState) },
        ],
      }),
    );
    return 'stored';
  } catch (error) {
    const reasons = cancellationCodes(error);
    if (!reasons) throw error;
    if (reasons[2] === 'ConditionalCheckFailed') return 'task-finished';
    if (reasons[0] === 'ConditionalCheckFailed') return 'room-changed';
    if (reasons[3] === 'ConditionalCheckFailed') return 'membership-changed';
    if (reasons[1] === 'ConditionalCheckFailed') return 'sequence-taken';
    throw error; // a conflict with a concurrent transaction or a throttle: the caller retries
  }
}

function roomSequenceUpdate(roomId: number, previous: number | undefined, next: number) {
  return {
    TableName: tables.chat,
    Key: keys.room(roomId),
    UpdateExpression: 'SET lastSequence = :next',
    ConditionExpression:
      previous === undefined ? 'attribute_exists(PK) AND attribute_not_exists(lastSequence)' : 'attribute_exists(PK) AND lastSequence = :previous',
    ExpressionAttributeValues: { ':next': next, ...(previous === undefined ? {} : { ':previous': previous }) },
  };
}

function senderReadStateUpdate(message: StoredMessage, watermark: number | undefined, readState: SenderReadState) {
  const unchanged =
    watermark === undefined ? 'attribute_exists(PK) AND attribute_not_exists(lastSeenSequence)' : 'attribute_exists(PK) AND lastSeenSequence = :watermark';
  const watermarkValue = watermark === undefined ? {} : { ':watermark': watermark };
  return readState === 'advance-watermark'
    ? {
        TableName: tables.chat,
        Key: keys.member(message.roomId, message.senderId),
        // Everything up to the message is seen, so no own message is left above the watermark.
        UpdateExpression: 'SET lastSeenSequence = :sequence, ownAfterWatermark = :none',
        ConditionExpression: unchanged,
        ExpressionAttributeValues: { ':sequence': message.sequence, ':none': [], ...watermarkValue },
      }
    : {
        TableName: tables.chat,
        Key: keys.member(message.roomId, message.senderId),
        UpdateExpression: 'SET ownAfterWatermark = list_append(if_not_exists(ownAfterWatermark, :none), :sequence)',
        ConditionExpression: unchanged,
        ExpressionAttributeValues: { ':sequence': [message.sequence], ':none': [], ...watermarkValue },
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
