import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { handler as consumer } from '../../functions/message-consumer.ts';
import { persistQueuedMessage } from '../../lib/messages/persist.ts';
import { redrivePolicy } from '../../lib/queue/message-queue.ts';
import { ddb } from '../../lib/repository/client.ts';
import definitions from '../../infra/definitions.json' with { type: 'json' };
import { listRoomMessages } from '../../lib/repository/messages.ts';
import { getTask } from '../../lib/repository/tasks.ts';
import { MAX_OWN_AFTER_WATERMARK, ownAfterWatermark, RECENT_SENDERS } from '../../lib/reading/unread.ts';
import { getMembership, getRoom, leaveRoom } from '../../lib/rooms/service.ts';
import { getTaskStatus } from '../../lib/tasks/service.ts';
import { uniqueName } from '../support/lambda.ts';
import { deadLettersContaining, newRoom, newUsers, pendingMessage, sqsRecord, twoUsers, unreadIn } from './fixtures.ts';

const deliver = (...records: ReturnType<typeof sqsRecord>[]) => consumer({ Records: records } as SQSEvent) as Promise<SQSBatchResponse>;
const failedIds = (response: SQSBatchResponse) => response.batchItemFailures.map((failure) => failure.itemIdentifier);

/** Every TransactWriteItems attempted (cancelled ones too), by its number of items. */
const transactions: number[] = [];
ddb.use((next, context) => async (args) => {
  if (context.commandName === 'TransactWriteItemsCommand') transactions.push((args.input as { TransactItems: unknown[] }).TransactItems.length);
  return next(args);
});
const countingTransactions = async (run: () => Promise<unknown>) => {
  transactions.length = 0;
  await run();
  return [...transactions];
};

describe('message consumer', () => {
  it('names a sender’s messages among the room’s recent senders, lists them in their membership once they leave unseen, and past MAX_OWN_AFTER_WATERMARK posting counts as reading', async () => {
    const [talker, other] = await newUsers(2);
    const room = await newRoom([talker!, other!]);
    const unread = (user: { id: number }) => unreadIn(room.id, user.id);
    const send = async (senderId: number, count: number) => {
      for (let sent = 0; sent < count; sent += 10) {
        const batch = await Promise.all(Array.from({ length: Math.min(10, count - sent) }, () => pendingMessage(room.id, senderId)));
        expect(failedIds(await deliver(...batch.map((message) => sqsRecord(message))))).toEqual([]);
      }
    };
    await send(other!.id, 1); // 1: unread for talker
    await send(talker!.id, RECENT_SENDERS); // 2–101: 101 pushes out 1, which other never read

    expect(await getMembership(room.id, talker!.id)).toMatchObject({ lastSeenSequence: 0, ownAfterWatermark: [] });
    expect(await getMembership(room.id, other!.id)).toMatchObject({ lastSeenSequence: 0, ownAfterWatermark: [1] });
    expect(await unread(talker!)).toBe(1);
    expect(await unread(other!)).toBe(RECENT_SENDERS);

    // 102 pushes out 2, talker's: their 101 own messages (2–102) are more than MAX_OWN_AFTER_WATERMARK, so
    // the oldest, 2, counts as read, and with it everything up to it (other's 1) and the talker's own
    // messages right above it: all of them.
    await send(talker!.id, 1);
    expect(MAX_OWN_AFTER_WATERMARK).toBe(RECENT_SENDERS);
    expect(await getMembership(room.id, talker!.id)).toMatchObject({ lastSeenSequence: RECENT_SENDERS + 2, ownAfterWatermark: [] });
    expect(await unread(talker!)).toBe(0);
    expect(await unread(other!)).toBe(RECENT_SENDERS + 1);
    expect(await getRoom(room.id)).toMatchObject({ lastSequence: RECENT_SENDERS + 2 });
  });

  it('stores a record delivered twice once; the redelivery is acknowledged and changes nothing', async () => {
    const [alice] = await newUsers(1);
    const room = await newRoom([alice!]);
    const queued = await pendingMessage(room.id, alice!.id);
    const record = sqsRecord(queued);

    expect(failedIds(await deliver(record))).toEqual([]);
    const first = await getTaskStatus(queued.taskId);
    expect(failedIds(await deliver(record))).toEqual([]);

    expect(await getTaskStatus(queued.taskId)).toEqual(first);
    expect(first).toMatchObject({ state: 'SUCCESS', result: { sequence: 1, text: queued.text } });
    expect((await listRoomMessages(room.id)).map((m) => m.taskId)).toEqual([queued.taskId]);
    expect(await getRoom(room.id)).toMatchObject({ lastSequence: 1, recentSenders: [alice!.id] });
    // Her own message is named among the room's recent senders; her membership is not written.
    expect(await getMembership(room.id, alice!.id)).toMatchObject({ lastSeenSequence: 0, ownAfterWatermark: [] });
  });

  it('stores once when the same record is delivered five times at the same moment', async () => {
    const [alice] = await newUsers(1);
    const room = await newRoom([alice!]);
    const queued = await pendingMessage(room.id, alice!.id);
    const answers = await Promise.all(Array.from({ length: 5 }, () => deliver(sqsRecord(queued))));
    expect(answers.flatMap(failedIds)).toEqual([]);
    expect(await listRoomMessages(room.id)).toHaveLength(1);
    expect(await getRoom(room.id)).toMatchObject({ lastSequence: 1 });
  });

  it('stores nothing twice when it crashed after persisting but before acknowledging', async () => {
    const [alice] = await newUsers(1);
    const room = await newRoom([alice!]);
    const queued = await pendingMessage(room.id, alice!.id);
    // The persist step ran to completion, then the process died: SQS delivers the record again.
    expect(await persistQueuedMessage(queued)).toMatchObject({ outcome: 'stored' });
    expect(failedIds(await deliver(sqsRecord(queued, { receiveCount: 2 })))).toEqual([]);

    const next = await pendingMessage(room.id, alice!.id);
    expect(failedIds(await deliver(sqsRecord(next)))).toEqual([]);
    expect((await listRoomMessages(room.id)).map((m) => [m.sequence, m.taskId])).toEqual([
      [1, queued.taskId],
      [2, next.taskId],
    ]);
  });

  it('keeps sequences contiguous when records of one room are persisted concurrently (outside FIFO order)', async () => {
    const users = await newUsers(3);
    const room = await newRoom(users);
    const queued = await Promise.all(Array.from({ length: 12 }, (_, i) => pendingMessage(room.id, users[i % 3]!.id)));
    const answers = await Promise.all(queued.map((message) => deliver(sqsRecord(message))));

    expect(answers.flatMap(failedIds)).toEqual([]);
    const stored = await listRoomMessages(room.id);
    expect(stored.map((m) => m.sequence)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(new Set(stored.map((m) => m.taskId))).toEqual(new Set(queued.map((m) => m.taskId)));
    expect(await getRoom(room.id)).toMatchObject({ lastSequence: 12 });
    // Each sender's own messages above their watermark are exactly those their read state knows of.
    const ascending = (a: number, b: number) => a - b;
    const meta = (await getRoom(room.id))!;
    for (const user of users) {
      const membership = (await getMembership(room.id, user.id))!;
      const ownAbove = stored.filter((m) => m.senderId === user.id && m.sequence > membership.lastSeenSequence).map((m) => m.sequence);
      expect([...ownAfterWatermark(meta, membership)].sort(ascending)).toEqual(ownAbove.sort(ascending));
    }
  });

  it('stores a batch of one room in ONE transaction: the room’s sequence once, the messages in order, each task SUCCESS', async () => {
    const users = await newUsers(3);
    const room = await newRoom(users);
    const queued = await Promise.all(Array.from({ length: 10 }, (_, i) => pendingMessage(room.id, users[i % 3]!.id, `batch ${i}`)));
    const sent = await countingTransactions(async () => expect(failedIds(await deliver(...queued.map((q) => sqsRecord(q))))).toEqual([]));

    // The room (its sequence and recent senders), 10 messages, 10 tasks; no membership.
    expect(sent).toEqual([1 + 2 * 10]);
    expect((await listRoomMessages(room.id)).map((m) => [m.sequence, m.text])).toEqual(queued.map((q, i) => [i + 1, q.text]));
    for (const [i, q] of queued.entries()) expect(await getTaskStatus(q.taskId)).toMatchObject({ state: 'SUCCESS', result: { sequence: i + 1, text: q.text } });
    // Who sent what is named among the room's recent senders; no read state was written.
    expect(await getRoom(room.id)).toMatchObject({ lastSequence: 10, recentSenders: queued.map((q) => q.senderId) });
    for (const user of users) expect(await getMembership(room.id, user.id)).toMatchObject({ lastSeenSequence: 0, ownAfterWatermark: [] });
  });

  it('a batch with an already finished task: the transaction is cancelled, the batch is stored record by record, the others exactly once', async () => {
    const [alice, bob] = await twoUsers();
    const room = await newRoom([alice, bob]);
    const queued = await Promise.all(Array.from({ length: 5 }, (_, i) => pendingMessage(room.id, i % 2 ? bob.id : alice.id, `m${i}`)));
    // The third was stored already (its batch was retried after the consumer crashed, say).
    expect(await persistQueuedMessage(queued[2]!)).toMatchObject({ outcome: 'stored', message: { sequence: 1 } });

    const sent = await countingTransactions(async () => expect(failedIds(await deliver(...queued.map((q) => sqsRecord(q, { receiveCount: 2 }))))).toEqual([]));
    // One cancelled 11-item transaction (room, 5 × message and task), then one per record.
    expect(sent).toEqual([11, 3, 3, 3, 3, 3]);
    expect((await listRoomMessages(room.id)).map((m) => [m.sequence, m.text])).toEqual([
      [1, 'm2'],
      [2, 'm0'],
      [3, 'm1'],
      [4, 'm3'],
      [5, 'm4'],
    ]);
    for (const q of queued) expect((await getTaskStatus(q.taskId)).state).toBe('SUCCESS');
  });

  it('splits a group whose transaction would exceed 100 items: 60 records in a 99-item and a 23-item transaction', async () => {
    const [alice] = await newUsers(1);
    const room = await newRoom([alice!]);
    const queued = await Promise.all(Array.from({ length: 60 }, (_, i) => pendingMessage(room.id, alice!.id, `long ${i}`)));
    const sent = await countingTransactions(async () => expect(failedIds(await deliver(...queued.map((q) => sqsRecord(q))))).toEqual([]));

    // 49 records (room + 98) fill a transaction: a 50th would make 101 items.
    expect(sent).toEqual([1 + 2 * 49, 1 + 2 * 11]);
    expect((await listRoomMessages(room.id)).map((m) => m.text)).toEqual(queued.map((q) => q.text));
    expect(await getRoom(room.id)).toMatchObject({ lastSequence: 60, recentSenders: queued.map(() => alice!.id) });
    expect(await getMembership(room.id, alice!.id)).toMatchObject({ lastSeenSequence: 0, ownAfterWatermark: [] });
  });

  it('in a batch, a sender who left gets FAILURE in the same transaction and uses up no sequence; the others are stored', async () => {
    const [alice, bob, carol] = await newUsers(3);
    const room = await newRoom([alice!, bob!, carol!]);
    const queued = [await pendingMessage(room.id, alice!.id, 'a'), await pendingMessage(room.id, bob!.id, 'b'), await pendingMessage(room.id, carol!.id, 'c')];
    await leaveRoom(room.id, bob!.id);
    const sent = await countingTransactions(async () => expect(failedIds(await deliver(...queued.map((q) => sqsRecord(q))))).toEqual([]));

    // The room, alice's message and task, bob's task (FAILURE), carol's message and task.
    expect(sent).toEqual([1 + 2 + 1 + 2]);
    expect((await listRoomMessages(room.id)).map((m) => [m.sequence, m.text])).toEqual([
      [1, 'a'],
      [2, 'c'],
    ]);
    expect(await getTaskStatus(queued[1]!.taskId)).toEqual({ state: 'FAILURE', result: `User ${bob!.username} is no longer a member of room ${room.room_name}; the message was not stored.` });
  });

  it('fails a group from its first failing record on: earlier records of the batch stay stored', async () => {
    const [alice] = await newUsers(1);
    const room = await newRoom([alice!]);
    const before = await pendingMessage(room.id, alice!.id, 'before');
    const poison = sqsRecord(JSON.stringify({ taskId: (await pendingMessage(room.id, alice!.id)).taskId, roomId: room.id }), { groupId: `room-${room.id}` });
    const after = sqsRecord(await pendingMessage(room.id, alice!.id, 'after'));
    expect(failedIds(await deliver(sqsRecord(before), poison, after))).toEqual([poison.messageId, after.messageId]);
    expect((await listRoomMessages(room.id)).map((m) => m.text)).toEqual(['before']);
  });

  it('ends the task in FAILURE with a readable reason when the sender left before persistence, and acknowledges it', async () => {
    const [alice, bob] = await newUsers(2);
    const room = await newRoom([alice!, bob!]);
    const queued = await pendingMessage(room.id, alice!.id);
    await leaveRoom(room.id, alice!.id);

    expect(failedIds(await deliver(sqsRecord(queued)))).toEqual([]);
    expect(await getTaskStatus(queued.taskId)).toEqual({
      state: 'FAILURE',
      result: `User ${alice!.username} is no longer a member of room ${room.room_name}; the message was not stored.`,
    });
    expect(await listRoomMessages(room.id)).toEqual([]);
    expect(await getRoom(room.id)).toMatchObject({ lastSequence: 0 });
  });

  it('fails the later records of a failed record’s room in the batch (order holds), not other rooms’', async () => {
    const [alice] = await newUsers(1);
    const [roomX, roomY] = [await newRoom([alice!]), await newRoom([alice!])];
    const poison = sqsRecord(JSON.stringify({ taskId: (await pendingMessage(roomX.id, alice!.id)).taskId, roomId: roomX.id }), { groupId: `room-${roomX.id}` });
    const laterX = sqsRecord(await pendingMessage(roomX.id, alice!.id));
    const inY = sqsRecord(await pendingMessage(roomY.id, alice!.id));

    const answer = await deliver(poison, inY, laterX);
    expect(failedIds(answer)).toEqual([poison.messageId, laterX.messageId]);
    expect(await listRoomMessages(roomX.id)).toEqual([]);
    expect(await listRoomMessages(roomY.id)).toHaveLength(1);
  });

  it('on a poison record’s last receive, marks its task RETRY, dead-letters it and goes on with its room', async () => {
    const [alice] = await newUsers(1);
    const room = await newRoom([alice!]);
    const { maxReceiveCount } = (await redrivePolicy())!;
    const marker = uniqueName('poison');
    const poisonTask = await pendingMessage(room.id, alice!.id);
    const poison = sqsRecord(JSON.stringify({ taskId: poisonTask.taskId, roomId: room.id, marker }), {
      groupId: `room-${room.id}`,
      receiveCount: maxReceiveCount,
    });
    const later = await pendingMessage(room.id, alice!.id);

    expect(failedIds(await deliver(poison, sqsRecord(later, { receiveCount: maxReceiveCount })))).toEqual([]);
    expect(await getTaskStatus(poisonTask.taskId)).toMatchObject({
      state: 'RETRY',
      result: expect.stringContaining(`could not be stored after ${maxReceiveCount} attempts`),
    });
    expect(await getTaskStatus(later.taskId)).toMatchObject({ state: 'SUCCESS', result: { sequence: 1 } });
    expect(await deadLettersContaining(marker, 1)).toHaveLength(1);
    // Its lifetime started again: it outlives the dead-letter queue's retention from now.
    const { expiresAt } = (await getTask(poisonTask.taskId))!;
    expect(expiresAt).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) + definitions.deadLetterQueue.MessageRetentionPeriod);
  });
});
