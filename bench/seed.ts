/**
 * Seeding for the benchmark. Users are written straight through the repository with one
 * precomputed password hash (scrypt for a thousand users would dominate the run); rooms and
 * memberships go through the real room service; a room's history is written directly as message
 * items (BatchWriteItem, 25 per call), shaped like lib/repository/messages.ts storeMessage writes
 * them, and the room META's lastSequence is set to the last one — sending 10,000 messages through
 * the queue would take minutes and measure nothing this benchmark is after.
 */
import { randomUUID } from 'node:crypto';
import { BatchWriteCommand, UpdateCommand } from '../lib/aws/dynamodb.ts';
import type { StoredMessage } from '../lib/messages/model.ts';
import { nextId } from '../lib/repository/counters.ts';
import { ddb, tables } from '../lib/repository/client.ts';
import { keys } from '../lib/repository/keys.ts';
import { insertUser } from '../lib/repository/users.ts';
import { MAX_INITIAL_MEMBERS } from '../lib/rooms/model.ts';
import { createGroupRoom, joinRoom } from '../lib/rooms/service.ts';
import { hashPassword } from '../lib/users/password.ts';
import { inParallel } from './http.ts';

export interface BenchUser {
  id: number;
  username: string;
}

export const BENCH_PASSWORD = 'Passw0rd!';

let passwordHash: Promise<string> | undefined;
/** One real scrypt hash, shared by every bench user (they can all log in with BENCH_PASSWORD). */
const sharedHash = () => (passwordHash ??= hashPassword(BENCH_PASSWORD));

const runTag = randomUUID().slice(0, 8);
let counter = 0;
/** Unique per run and process, so a bench can run against a stack that already has data. */
export const benchName = (prefix: string) => `bench_${prefix}_${runTag}_${++counter}`;

export async function createUsers(count: number, prefix = 'user', concurrency = 16): Promise<BenchUser[]> {
  const hash = await sharedHash();
  const users: BenchUser[] = new Array(count);
  await inParallel(count, concurrency, async (index) => {
    const now = new Date().toISOString();
    const user = {
      id: await nextId('USER'),
      username: benchName(prefix),
      first_name: 'Bench',
      last_name: `User ${index}`,
      email: `bench${index}@example.com`,
      profile: { status: 'Online' as const, status_msg: 'benchmarking' },
      passwordHash: hash,
      createdAt: now,
      updatedAt: now,
    };
    await insertUser(user);
    users[index] = { id: user.id, username: user.username };
  });
  return users;
}

/** A group room with these members: the first MAX_INITIAL_MEMBERS at creation, the others join (8 at a time). */
export async function createRoom(members: BenchUser[], prefix = 'room'): Promise<{ id: number; room_name: string }> {
  const [initial, later] = [members.slice(0, MAX_INITIAL_MEMBERS), members.slice(MAX_INITIAL_MEMBERS)];
  const room = await createGroupRoom({ room_name: benchName(prefix), room_member: initial.map(({ username }) => ({ username })) });
  await inParallel(later.length, 8, async (i) => joinRoom(room.id, later[i]!.id));
  return { id: room.id, room_name: room.room_name };
}

const BATCH_WRITE_ITEMS = 25;

/** Writes messages 1..count of a room from `senderId` and sets the room's lastSequence to count. */
export async function seedMessages(roomId: number, senderId: number, count: number, concurrency = 8): Promise<void> {
  const start = Date.now() - count * 1000;
  const item = (sequence: number) => {
    const message: StoredMessage = {
      roomId,
      sequence,
      senderId,
      text: `Bench message ${sequence}: an ordinary line of chat, about sixty characters.`,
      sentAt: new Date(start + sequence * 1000).toISOString(),
      taskId: randomUUID(),
    };
    return { ...keys.message(roomId, sequence), type: 'message', ...message };
  };
  const batches = Math.ceil(count / BATCH_WRITE_ITEMS);
  await inParallel(batches, concurrency, async (batch) => {
    const first = batch * BATCH_WRITE_ITEMS + 1;
    const last = Math.min(count, first + BATCH_WRITE_ITEMS - 1);
    let requests = Array.from({ length: last - first + 1 }, (_, i) => ({ PutRequest: { Item: item(first + i) } }));
    for (let round = 0; requests.length > 0; round++) {
      if (round > 8) throw new Error(`BatchWriteItem left items unprocessed after ${round} rounds`);
      if (round > 0) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** round));
      const answer = await ddb.send(new BatchWriteCommand({ RequestItems: { [tables.chat]: requests } }));
      requests = (answer.UnprocessedItems?.[tables.chat] ?? []) as typeof requests;
    }
  });
  await ddb.send(
    new UpdateCommand({
      TableName: tables.chat,
      Key: keys.room(roomId),
      UpdateExpression: 'SET lastSequence = :last',
      ConditionExpression: 'attribute_exists(PK)',
      ExpressionAttributeValues: { ':last': count },
    }),
  );
}
