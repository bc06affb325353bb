import { randomUUID } from 'node:crypto';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import definitions from '../../infra/definitions.json' with { type: 'json' };
import { TEST_VISIBILITY_TIMEOUT_SECONDS } from '../support/global-setup.ts';
import { describe, expect, it } from 'vitest';
import { handler as sendDirect } from '../../functions/send-direct.ts';
import { handler as sendGroup } from '../../functions/send-group.ts';
import type { MessageView } from '../../lib/messages/model.ts';
import { listRoomMessages } from '../../lib/repository/messages.ts';
import { getRoom, listRooms } from '../../lib/rooms/service.ts';
import { invoke, uniqueName } from '../support/lambda.ts';
import { deadLettersContaining, finishedTask, newRoom, newUsers, pendingMessage, taskInState, testSqs, twoUsers } from './fixtures.ts';

/**
 * Through the real pipeline: the send handlers put messages on the local FIFO queue, the poller
 * started with the local stack hands them to the consumer running in serverless-offline.
 */
const group = async (roomId: number, from: number, text: string): Promise<string> => {
  const answer = await invoke(sendGroup, { method: 'POST', path: `/chat/group/${roomId}/`, pathParameters: { room_id: String(roomId) }, body: { from, text } });
  expect(answer.status).toBe(200);
  return answer.body.data;
};

const direct = async (receiverId: number, from: number, text: string): Promise<string> => {
  const answer = await invoke(sendDirect, { method: 'POST', path: `/chat/user/${receiverId}/`, pathParameters: { user_id: String(receiverId) }, body: { from, text } });
  expect(answer.status).toBe(200);
  return answer.body.data;
};

describe('the message pipeline (queue, poller, consumer)', () => {
  it('runs on a queue made from infra/definitions.json: high-throughput FIFO, with the run’s visibility timeout', async () => {
    const { Attributes } = await testSqs.send(new GetQueueAttributesCommand({ QueueUrl: process.env.MESSAGE_QUEUE_URL!, AttributeNames: ['All'] }));
    expect(Attributes).toMatchObject({
      FifoQueue: 'true',
      DeduplicationScope: definitions.messageQueue.DeduplicationScope,
      FifoThroughputLimit: definitions.messageQueue.FifoThroughputLimit,
      VisibilityTimeout: String(TEST_VISIBILITY_TIMEOUT_SECONDS),
    });
    expect(JSON.parse(Attributes!.RedrivePolicy!)).toMatchObject({ maxReceiveCount: definitions.maxReceiveCount });
  });

  it('stores 500 sends to one room from 50 concurrent senders as sequence 1..500: no gap, no duplicate, each sender’s in send order, every task SUCCESS', async () => {
    const SENDERS = 50;
    const PER_SENDER = 10;
    const users = await newUsers(SENDERS, 'crowd');
    const room = await newRoom(users);
    // Fifty senders at once; each sends its next message as soon as the previous one was accepted.
    const taskIds = (
      await Promise.all(
        users.map(async (user) => {
          const ids: string[] = [];
          for (let n = 0; n < PER_SENDER; n++) ids.push(await group(room.id, user.id, `${user.username}#${n}`));
          return ids;
        }),
      )
    ).flat();

    for (const taskId of taskIds) expect((await finishedTask(taskId, 1200)).state).toBe('SUCCESS');
    const stored = await listRoomMessages(room.id);
    expect(stored.map((m) => m.sequence)).toEqual(Array.from({ length: SENDERS * PER_SENDER }, (_, i) => i + 1));
    expect(stored.map((m) => m.taskId).sort()).toEqual([...taskIds].sort());
    for (const user of users) {
      const mine = stored.filter((m) => m.senderId === user.id).map((m) => m.text);
      expect(mine).toEqual(Array.from({ length: PER_SENDER }, (_, n) => `${user.username}#${n}`));
    }
    expect(await getRoom(room.id)).toMatchObject({ lastSequence: SENDERS * PER_SENDER });
  }, 180_000);

  it('dead-letters a poison record after maxReceiveCount receives, its task says RETRY, and other rooms go on', async () => {
    const [alice, bob] = await twoUsers();
    const [poisoned, other] = [await newRoom([alice, bob]), await newRoom([alice, bob])];
    const marker = uniqueName('poison');
    const { taskId: poisonTaskId } = await pendingMessage(poisoned.id, alice.id);
    await testSqs.send(
      new SendMessageCommand({
        QueueUrl: process.env.MESSAGE_QUEUE_URL!,
        MessageBody: JSON.stringify({ taskId: poisonTaskId, roomId: poisoned.id, marker }),
        MessageGroupId: `room-${poisoned.id}`,
        MessageDeduplicationId: randomUUID(),
      }),
    );
    const afterPoison = await group(poisoned.id, bob.id, 'after the poison');
    const elsewhere = await Promise.all([group(other.id, alice.id, 'one'), group(other.id, bob.id, 'two')]);

    for (const taskId of elsewhere) expect((await finishedTask(taskId)).state).toBe('SUCCESS');
    // The room's next message waits for the poison's retries (one visibility timeout each).
    expect(await finishedTask(afterPoison, 600)).toMatchObject({ state: 'SUCCESS', result: { sequence: 1, text: 'after the poison' } });
    expect(await deadLettersContaining(marker, 1)).toHaveLength(1);
    expect(await taskInState(poisonTaskId, 'RETRY')).toEqual({ state: 'RETRY', result: expect.stringMatching(/could not be stored after \d+ attempts/) });
    expect((await listRoomMessages(poisoned.id)).map((m) => m.text)).toEqual(['after the poison']);
  });

  it('makes one direct room when both users of a pair send their first messages at the same moment', async () => {
    const pairs = await Promise.all(Array.from({ length: 4 }, () => twoUsers('racer')));
    await Promise.all(
      pairs.map(async ([a, b]) => {
        const taskIds = await Promise.all([direct(b.id, a.id, 'hi b'), direct(a.id, b.id, 'hi a'), direct(b.id, a.id, 'again'), direct(a.id, b.id, 'again')]);
        const results = await Promise.all(taskIds.map(async (id) => (await finishedTask(id)).result as MessageView));
        const roomIds = new Set(results.map((result) => result.room.id));
        expect(roomIds.size).toBe(1);
        expect(results.map((r) => r.sequence).sort()).toEqual([1, 2, 3, 4]);

        const [low, high] = a.id < b.id ? [a, b] : [b, a];
        const named = (await listRooms(a.id)).filter((room) => room.room_name === `${low.username} - ${high.username}`);
        expect(named.map((room) => room.id)).toEqual([...roomIds]);
      }),
    );
  });
});
