import { BatchWriteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ddb, tables } from '../../lib/repository/client.ts';
import { nextId } from '../../lib/repository/counters.ts';
import { keys } from '../../lib/repository/keys.ts';
import { memberItem, rosterItem } from '../../lib/repository/rooms.ts';
import { insertUser, userItem, usernameItem } from '../../lib/repository/users.ts';
import { createGroupRoom } from '../../lib/rooms/service.ts';
import { uniqueName } from '../support/lambda.ts';

type TestUser = { id: number; username: string };

/**
 * A fresh user of this test's own (tests must not change the seed users' memberships for good).
 * Written straight to the repository with a placeholder hash: rooms tests never log in, and
 * skipping scrypt keeps crowds of users cheap on a shared machine.
 */
export async function newUser(prefix = 'member'): Promise<{ id: number; username: string }> {
  const now = new Date().toISOString();
  const user = {
    id: await nextId('USER'),
    username: uniqueName(prefix),
    first_name: '',
    last_name: '',
    email: '',
    profile: { status: 'Online' as const, status_msg: '' },
    passwordHash: 'unusable',
    createdAt: now,
    updatedAt: now,
  };
  await insertUser(user);
  return { id: user.id, username: user.username };
}

export async function newUsers(count: number, prefix = 'member') {
  return Promise.all(Array.from({ length: count }, () => newUser(prefix)));
}

/**
 * A group room of `memberCount` members, seeded straight into the table: `memberCount - 1` users
 * (user items and username claims) and their memberships written with BatchWriteItem (25 per call),
 * then the ROSTER replaced as the joins would have left it (the count, the first 50 listed). The room
 * itself is created through the service, by `owner`. Join events are not written: these tests read
 * the room, not its history.
 */
export async function seedBigRoom(memberCount: number): Promise<{ roomId: number; owner: TestUser; members: TestUser[] }> {
  const owner = await newUser('bigowner');
  const room = await createGroupRoom({ room_name: uniqueName('big') }, owner.id);
  const count = memberCount - 1;
  const { Attributes } = await ddb.send(
    new UpdateCommand({
      TableName: tables.chat,
      Key: keys.counter('USER'),
      UpdateExpression: 'ADD #value :count',
      ExpressionAttributeNames: { '#value': 'value' },
      ExpressionAttributeValues: { ':count': count },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  const firstId = Number(Attributes!.value) - count + 1;
  const tag = uniqueName('crowd');
  const members = Array.from({ length: count }, (_, i) => ({ id: firstId + i, username: `${tag}_${i}` }));
  const now = new Date().toISOString();
  const items = members.flatMap(({ id, username }) => [
    userItem({ id, username, first_name: '', last_name: '', email: '', profile: { status: 'Offline', status_msg: null }, passwordHash: 'unusable', createdAt: now, updatedAt: now, version: 1 }),
    usernameItem({ id, username }),
    memberItem({ roomId: room.id, userId: id, joinedAt: now, lastSeenSequence: 0, ownAfterWatermark: [] }),
  ]);
  const batches: Record<string, unknown>[][] = [];
  for (let start = 0; start < items.length; start += 25) batches.push(items.slice(start, start + 25));
  for (let start = 0; start < batches.length; start += 8) await Promise.all(batches.slice(start, start + 8).map(writeBatch));
  await ddb.send(new PutCommand({ TableName: tables.chat, Item: rosterItem(room.id, [owner.id, ...members.map(({ id }) => id)]) }));
  return { roomId: room.id, owner, members };
}

async function writeBatch(batch: Record<string, unknown>[]) {
  let pending: Record<string, unknown>[] = batch.map((Item) => ({ PutRequest: { Item } }));
  for (let round = 0; pending.length > 0; round++) {
    if (round >= 10) throw new Error('BatchWriteItem kept items unprocessed');
    const answer = await ddb.send(new BatchWriteCommand({ RequestItems: { [tables.chat]: pending as never } }));
    pending = (answer.UnprocessedItems?.[tables.chat] ?? []) as Record<string, unknown>[];
  }
}
