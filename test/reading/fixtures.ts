import { randomUUID } from 'node:crypto';
import { BatchWriteCommand, UpdateCommand } from '../../lib/aws/dynamodb.ts';
import { persistQueuedMessage } from '../../lib/messages/persist.ts';
import type { StoredMessage } from '../../lib/messages/model.ts';
import { ddb, tables } from '../../lib/repository/client.ts';
import { keys } from '../../lib/repository/keys.ts';
import { createGroupRoom } from '../../lib/rooms/service.ts';
import { uniqueName } from '../support/lambda.ts';
import { pendingMessage } from '../messages/fixtures.ts';

export { newUser, newUsers } from '../rooms/fixtures.ts';

export interface TestUser {
  id: number;
  username: string;
}

/** A group room of this test's own with these members. */
export async function newRoom(members: TestUser[]): Promise<{ id: number; room_name: string }> {
  const room = await createGroupRoom({ room_name: uniqueName('reading'), room_member: members.map(({ username }) => ({ username })) });
  return { id: room.id, room_name: room.room_name };
}

/**
 * Writes messages 1..count of an empty room straight into the table (BatchWriteItem, 25 per call),
 * then sets the room's lastSequence: a long history without running 1,000 sends through the queue.
 * The senders' read states are left alone, so use it for history reads, not for unseen tests.
 */
export async function writeHistory(roomId: number, count: number, message: (sequence: number) => { senderId: number; text: string }) {
  const items = Array.from({ length: count }, (_, i): StoredMessage => {
    const sequence = i + 1;
    return { roomId, sequence, ...message(sequence), sentAt: new Date(Date.UTC(2026, 0, 1, 0, 0, sequence)).toISOString(), taskId: randomUUID() };
  });
  const batches: StoredMessage[][] = [];
  for (let start = 0; start < items.length; start += 25) batches.push(items.slice(start, start + 25));
  for (let start = 0; start < batches.length; start += 8) {
    await Promise.all(batches.slice(start, start + 8).map((batch) => writeBatch(batch)));
  }
  await ddb.send(
    new UpdateCommand({
      TableName: tables.chat,
      Key: keys.room(roomId),
      UpdateExpression: 'SET lastSequence = :last',
      ConditionExpression: 'attribute_exists(PK) AND lastSequence = :zero',
      ExpressionAttributeValues: { ':last': count, ':zero': 0 },
    }),
  );
}

async function writeBatch(batch: StoredMessage[]) {
  let pending: Record<string, unknown>[] = batch.map((message) => ({ PutRequest: { Item: { ...keys.message(message.roomId, message.sequence), type: 'message', ...message } } }));
  for (let round = 0; pending.length > 0; round++) {
    if (round >= 10) throw new Error('BatchWriteItem kept items unprocessed');
    const answer = await ddb.send(new BatchWriteCommand({ RequestItems: { [tables.chat]: pending as never } }));
    pending = (answer.UnprocessedItems?.[tables.chat] ?? []) as Record<string, unknown>[];
  }
}

/** Stores one message as the consumer does (sequence, task, the sender's read state), without the queue. */
export async function sendStored(roomId: number, senderId: number, text = uniqueName('text')): Promise<{ sequence: number; text: string }> {
  const outcome = await persistQueuedMessage(await pendingMessage(roomId, senderId, text));
  if (outcome.outcome !== 'stored') throw new Error(`message not stored: ${JSON.stringify(outcome)}`);
  return { sequence: outcome.message.sequence, text };
}

export const seqs = (messages: { sequence: number }[]) => messages.map((message) => message.sequence);
export const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
