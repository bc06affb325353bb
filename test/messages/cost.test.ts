import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { handler as consumer } from '../../functions/message-consumer.ts';
import { handler as sendDirect } from '../../functions/send-direct.ts';
import { handler as sendGroup } from '../../functions/send-group.ts';
import { handler as taskState } from '../../functions/task-state.ts';
import { ddb, dynamoUsage, resetDynamoUsage, type DynamoUsage } from '../../lib/repository/client.ts';
import { listRoomMessages } from '../../lib/repository/messages.ts';
import { readRoomMessages } from '../../lib/reading/service.ts';
import { RECENT_SENDERS } from '../../lib/reading/unread.ts';
import { getMembership } from '../../lib/rooms/service.ts';
import { invoke } from '../support/lambda.ts';
import { newRoom, newUsers, pendingMessage, sqsRecord, twoUsers, unreadIn } from './fixtures.ts';

/**
 * DynamoDB requests and write units per message, end to end. AWS bills a transactional write 2
 * units per item of ≤ 1 KB (every item here is: ordinary text). DynamoDB Local reports
 * TransactWriteItems wrongly (2 units per table touched, whatever the number of items), so the
 * consumer's AWS units are counted from its transactions' items; the API's one PutItem is 1 unit,
 * as Local reports.
 */
const TEXT = 'hello there, an ordinary chat message';
const FIFO_BATCH = 10;

let transactionItems = 0;
ddb.use((next, context) => async (args) => {
  if (context.commandName === 'TransactWriteItemsCommand') transactionItems += (args.input as { TransactItems: unknown[] }).TransactItems.length;
  return next(args);
});

type Measured = DynamoUsage & { transactionItems: number; awsWriteUnits: number };

async function measured(run: () => Promise<unknown>): Promise<Measured> {
  resetDynamoUsage();
  transactionItems = 0;
  await run();
  const usage = dynamoUsage();
  const nonTransactional = usage.byCommand.TransactWriteItemsCommand ? 0 : usage.writeCapacity;
  return { ...usage, transactionItems, awsWriteUnits: nonTransactional + 2 * transactionItems };
}

const groupSend = (roomId: number, from: number, headers?: Record<string, string>) =>
  invoke(sendGroup, { method: 'POST', path: '/x', pathParameters: { room_id: String(roomId) }, body: { from, text: TEXT }, ...(headers ? { headers } : {}) });

async function consumed(records: ReturnType<typeof sqsRecord>[]): Promise<Measured> {
  return measured(async () => {
    const answer = (await consumer({ Records: records } as SQSEvent)) as SQSBatchResponse;
    expect(answer.batchItemFailures).toEqual([]);
  });
}

describe('DynamoDB cost per message', () => {
  it('group send: the API reads room, sender and membership in ONE BatchGetItem and writes the PENDING task', async () => {
    const [alice, bob] = await twoUsers();
    const room = await newRoom([alice, bob]);
    const api = await measured(() => groupSend(room.id, alice.id));
    expect(api.byCommand).toEqual({ BatchGetItemCommand: 1, PutItemCommand: 1 });
    expect(api.writeCapacity).toBe(1);
  });

  it('one message alone: the consumer makes 2 requests (a BatchGetItem, a 3-item transaction): 7 WCU end to end', async () => {
    const [alice] = await twoUsers();
    const room = await newRoom([alice]);
    const persist = await consumed([sqsRecord(await pendingMessage(room.id, alice.id, TEXT))]);
    expect(persist.byCommand).toEqual({ BatchGetItemCommand: 1, TransactWriteItemsCommand: 1 });
    // the room's sequence and recent senders, the message, the task's SUCCESS; no membership
    expect(persist.transactionItems).toBe(3);
    expect(1 + persist.awsWriteUnits).toBe(7);
  });

  it(`a full batch of one room (${FIFO_BATCH} records, 3 senders): 2 requests in all, 0.2 per message, and 5.2 WCU per message end to end`, async () => {
    const users = await newUsers(3);
    const room = await newRoom(users);
    const records = [];
    for (let i = 0; i < FIFO_BATCH; i++) records.push(sqsRecord(await pendingMessage(room.id, users[i % 3]!.id, `${TEXT} ${i}`)));
    const persist = await consumed(records);
    expect(persist.byCommand).toEqual({ BatchGetItemCommand: 1, TransactWriteItemsCommand: 1 });
    expect(persist.requests / FIFO_BATCH).toBeLessThanOrEqual(0.5);
    // One transaction: the room's sequence once, 10 messages, 10 tasks.
    expect(persist.transactionItems).toBe(1 + 2 * FIFO_BATCH);
    const endToEnd = 1 + persist.awsWriteUnits / FIFO_BATCH;
    expect(endToEnd).toBeCloseTo(5.2, 5);
    expect((await listRoomMessages(room.id)).map((m) => m.sequence)).toEqual(Array.from({ length: FIFO_BATCH }, (_, i) => i + 1));
  });

  it(`${FIFO_BATCH} different senders cost the same 5.2 WCU per message: no read state is written per sender`, async () => {
    const users = await newUsers(FIFO_BATCH);
    const room = await newRoom(users);
    const records = await Promise.all(users.map(async (user) => sqsRecord(await pendingMessage(room.id, user.id, TEXT))));
    const persist = await consumed(records);
    expect(persist.byCommand).toEqual({ BatchGetItemCommand: 1, TransactWriteItemsCommand: 1 });
    expect(persist.transactionItems).toBe(1 + 2 * FIFO_BATCH);
    expect(1 + persist.awsWriteUnits / FIFO_BATCH).toBeCloseTo(5.2, 5);
  });

  it(`a member’s messages leaving the room’s last ${RECENT_SENDERS} unseen by them are listed in their membership at once: one read and one write, then none`, async () => {
    const [alice, bob] = await twoUsers();
    const room = await newRoom([alice, bob]);
    // bob sends 1–5 and reads nothing; alice sends 6–100 and reads everything.
    const batches = [Array.from({ length: 5 }, () => bob.id), ...Array.from({ length: 95 / 5 }, () => Array.from({ length: 5 }, () => alice.id))];
    for (const senders of batches) await consumed(await Promise.all(senders.map(async (id) => sqsRecord(await pendingMessage(room.id, id, TEXT)))));
    await readRoomMessages(room.id, alice.id, { limit: 1 }, { seenBy: false });

    // 101 pushes out bob's 1: bob's read state is read (a second BatchGetItem) and his five recent messages listed.
    const first = await consumed([sqsRecord(await pendingMessage(room.id, alice.id, TEXT))]);
    expect(first.byCommand).toEqual({ BatchGetItemCommand: 2, TransactWriteItemsCommand: 1 });
    expect(first.transactionItems).toBe(4);
    expect(1 + first.awsWriteUnits).toBe(9);
    expect(await getMembership(room.id, bob.id)).toMatchObject({ lastSeenSequence: 0, ownAfterWatermark: [1, 2, 3, 4, 5] });

    // 102–106 push out bob's 2–5, already listed, and alice's 6, which she has seen: nothing more to read or write.
    for (let n = 0; n < 5; n++) {
      const next = await consumed([sqsRecord(await pendingMessage(room.id, alice.id, TEXT))]);
      expect(next.byCommand).toEqual({ BatchGetItemCommand: 1, TransactWriteItemsCommand: 1 });
      expect(1 + next.awsWriteUnits).toBe(7);
    }
    expect(await unreadIn(room.id, bob.id)).toBe(106 - 5);
  });

  it('direct send to an existing pair: two BatchGetItems (users and pair, then the pair’s memberships) and the task', async () => {
    const [alice, bob] = await twoUsers();
    const send = () => invoke(sendDirect, { method: 'POST', path: '/x', pathParameters: { user_id: String(bob.id) }, body: { from: alice.id, text: TEXT } });
    const first = await measured(send);
    expect(first.byCommand).toMatchObject({ TransactWriteItemsCommand: 1, PutItemCommand: 1 });
    const next = await measured(send);
    expect(next.byCommand).toEqual({ BatchGetItemCommand: 2, PutItemCommand: 1 });
    expect(next.writeCapacity).toBe(1);
  });

  it('an Idempotency-Key adds one conditional Put; task_state is one strongly consistent GetItem', async () => {
    const [alice] = await twoUsers();
    const room = await newRoom([alice]);
    let taskId = '';
    const keyed = await measured(async () => {
      taskId = (await groupSend(room.id, alice.id, { 'Idempotency-Key': `cost-${room.id}` })).body.data;
    });
    expect(keyed.byCommand).toEqual({ BatchGetItemCommand: 1, PutItemCommand: 2 });
    const read = await measured(() => invoke(taskState, { path: '/x', pathParameters: { task_id: taskId } }));
    expect(read).toMatchObject({ requests: 1, byCommand: { GetItemCommand: 1 }, readCapacity: 1, writeCapacity: 0 });
  });
});
