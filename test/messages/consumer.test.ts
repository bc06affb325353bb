import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { handler as consumer } from '../../functions/message-consumer.ts';
import { MAX_OWN_AFTER_WATERMARK } from '../../lib/messages/model.ts';
import { persistQueuedMessage } from '../../lib/messages/persist.ts';
import { redrivePolicy } from '../../lib/queue/message-queue.ts';
import { listRoomMessages } from '../../lib/repository/messages.ts';
import { getMembership, getRoom, leaveRoom } from '../../lib/rooms/service.ts';
import { getTaskStatus } from '../../lib/tasks/service.ts';
import { uniqueName } from '../support/lambda.ts';
import { deadLettersContaining, newRoom, newUsers, pendingMessage, sqsRecord } from './fixtures.ts';

const deliver = (...records: ReturnType<typeof sqsRecord>[]) => consumer({ Records: records } as SQSEvent) as Promise<SQSBatchResponse>;
const failedIds = (response: SQSBatchResponse) => response.batchItemFailures.map((failure) => failure.itemIdentifier);

describe('message consumer', () => {
  it('keeps at most MAX_OWN_AFTER_WATERMARK own messages above a sender’s watermark; past that, posting counts as reading', async () => {
    const [talker, other] = await newUsers(2);
    const room = await newRoom([talker!, other!]);
    expect(failedIds(await deliver(sqsRecord(await pendingMessage(room.id, other!.id))))).toEqual([]); // 1: unread for talker
    for (let n = 0; n < MAX_OWN_AFTER_WATERMARK; n++) {
      expect(failedIds(await deliver(sqsRecord(await pendingMessage(room.id, talker!.id))))).toEqual([]);
    }
    const behind = (await getMembership(room.id, talker!.id))!;
    expect(behind.lastSeenSequence).toBe(0);
    expect(behind.ownAfterWatermark).toEqual(Array.from({ length: MAX_OWN_AFTER_WATERMARK }, (_, i) => i + 2));

    expect(failedIds(await deliver(sqsRecord(await pendingMessage(room.id, talker!.id))))).toEqual([]);
    const sequence = MAX_OWN_AFTER_WATERMARK + 2;
    expect(await getMembership(room.id, talker!.id)).toMatchObject({ lastSeenSequence: sequence, ownAfterWatermark: [] });
    expect(await getRoom(room.id)).toMatchObject({ lastSequence: sequence });
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
    expect(await getRoom(room.id)).toMatchObject({ lastSequence: 1 });
    expect(await getMembership(room.id, alice!.id)).toMatchObject({ lastSeenSequence: 1, ownAfterWatermark: [] });
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
    // Each sender's own messages above their watermark are exactly their ownAfterWatermark list.
    const ascending = (a: number, b: number) => a - b;
    for (const user of users) {
      const { lastSeenSequence, ownAfterWatermark } = (await getMembership(room.id, user.id))!;
      const ownAbove = stored.filter((m) => m.senderId === user.id && m.sequence > lastSeenSequence).map((m) => m.sequence);
      expect([...ownAfterWatermark].sort(ascending)).toEqual(ownAbove.sort(ascending));
    }
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
  });
});
