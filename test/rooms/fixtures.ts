import { BatchWriteCommand, PutCommand, UpdateCommand } from '../../lib/aws/dynamodb.ts';
import { ddb, tables } from '../../lib/repository/client.ts';
import { nextId } from '../../lib/repository/counters.ts';
import { keys } from '../../lib/repository/keys.ts';
import { memberItem, rosterItem } from '../../lib/repository/rooms.ts';
import { insertUser, userItem } from '../../lib/repository/users.ts';
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
 * and their memberships written with BatchWriteItem (25 per call), then the ROSTER replaced as the
 * joins would have left it (the count, the first 50 listed). The room itself is created through the
 * service, by `owner`. Not written: join events (these tests read the room, not its history) and
 * the crowd's username claims (they never log in, are never renamed or named in a create).
 * `removeCrowd` deletes the crowd's user items again, so the other test files sharing the stack do
 * not list 5,000 more users.
 */
export async function seedBigRoom(memberCount: number): Promise<{ roomId: number; owner: TestUser; members: TestUser[]; removeCrowd: () => Promise<void> }> {
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
    memberItem({ roomId: room.id, userId: id, joinedAt: now, lastSeenSequence: 0, ownAfterWatermark: [] }),
  ]);
  const batches: Record<string, unknown>[][] = [];
  for (let start = 0; start < items.length; start += 25) batches.push(items.slice(start, start + 25));
  for (let start = 0; start < batches.length; start += 8) await Promise.all(batches.slice(start, start + 8).map(writeBatch));
  await ddb.send(new PutCommand({ TableName: tables.chat, Item: rosterItem(room.id, [owner.id, ...members.map(({ id }) => id)]) }));
  const removeCrowd = async () => {
    const deletes = members.map(({ id }) => ({ DeleteRequest: { Key: keys.user(id) } }));
    const batches: Record<string, unknown>[][] = [];
    for (let start = 0; start < deletes.length; start += 25) batches.push(deletes.slice(start, start + 25));
    for (let start = 0; start < batches.length; start += 8) await Promise.all(batches.slice(start, start + 8).map(writeRequests));
  };
  return { roomId: room.id, owner, members, removeCrowd };
}

const writeBatch = (batch: Record<string, unknown>[]) => writeRequests(batch.map((Item) => ({ PutRequest: { Item } })));

async function writeRequests(requests: Record<string, unknown>[]) {
  let pending = requests;
  for (let round = 0; pending.length > 0; round++) {
    if (round >= 10) throw new Error('BatchWriteItem kept items unprocessed');
    const answer = await ddb.send(new BatchWriteCommand({ RequestItems: { [tables.chat]: pending as never } }));
    pending = (answer.UnprocessedItems?.[tables.chat] ?? []) as Record<string, unknown>[];
  }
}
