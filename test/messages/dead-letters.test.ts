import { describe, expect, it } from 'vitest';
import { handler as sendGroup } from '../../functions/send-group.ts';
import type { MessageView } from '../../lib/messages/model.ts';
import { listRoomMessages } from '../../lib/repository/messages.ts';
import { getTaskStatus } from '../../lib/tasks/service.ts';
import { invoke, uniqueName } from '../support/lambda.ts';
import { breakRoomSequence, deadLettered, finishedTask, fixRoomSequence, newRoom, redriveTasks, twoUsers } from './fixtures.ts';

/**
 * The dead-letter path through the real pipeline (API → queue → poller → consumer in
 * serverless-offline → DynamoDB Local): a room whose messages cannot be stored for a while (its
 * lastSequence broken, a fault an operator can fix), retried once per visibility timeout, then
 * dead-lettered; fixed; moved back with the redrive that `npm run redrive` runs.
 */
const send = async (roomId: number, from: number, text: string, headers?: Record<string, string>) => {
  const answer = await invoke(sendGroup, { method: 'POST', path: `/chat/group/${roomId}/`, pathParameters: { room_id: String(roomId) }, body: { from, text }, ...(headers ? { headers } : {}) });
  expect(answer.status).toBe(200);
  return answer as { body: { data: string }; headers: Record<string, string> };
};

const DEAD_LETTERED = /^The message could not be stored after 3 attempts\. It is kept in the dead-letter queue/;

describe('dead letters', () => {
  it('a dead-lettered message says RETRY; once the cause is fixed, moving it back stores it exactly once, in its room’s order as of the move, and ends SUCCESS', async () => {
    const [alice, bob] = await twoUsers();
    const room = await newRoom([alice, bob]);
    const first = (await send(room.id, alice.id, 'first')).body.data;
    expect((await finishedTask(first)).state).toBe('SUCCESS');

    const lastSequence = await breakRoomSequence(room.id);
    const stuck = [(await send(room.id, bob.id, 'stuck one')).body.data, (await send(room.id, alice.id, 'stuck two')).body.data];
    expect(await deadLettered(stuck)).toBe(true);
    for (const taskId of stuck) expect(await getTaskStatus(taskId)).toEqual({ state: 'RETRY', result: expect.stringMatching(DEAD_LETTERED) });
    expect((await listRoomMessages(room.id)).map((m) => m.text)).toEqual(['first']);

    await fixRoomSequence(room.id, lastSequence);
    const meanwhile = (await send(room.id, bob.id, 'after the fix')).body.data;
    expect((await finishedTask(meanwhile, 600)).state).toBe('SUCCESS');
    expect(await redriveTasks(stuck)).toEqual({ moved: 2 });

    const results = await Promise.all(stuck.map(async (taskId) => (await finishedTask(taskId, 600)) as { state: string; result: MessageView }));
    expect(results.map((r) => [r.state, r.result.text, r.result.sequence])).toEqual([
      ['SUCCESS', 'stuck one', 3],
      ['SUCCESS', 'stuck two', 4],
    ]);
    expect((await listRoomMessages(room.id)).map((m) => [m.sequence, m.text])).toEqual([
      [1, 'first'],
      [2, 'after the fix'],
      [3, 'stuck one'],
      [4, 'stuck two'],
    ]);
  });

  it('a retry with the same Idempotency-Key queues a dead-lettered send again at once (same task, stored once); its moved-back copy then changes nothing', async () => {
    const [alice] = await twoUsers();
    const room = await newRoom([alice]);
    const key = uniqueName('key');
    const lastSequence = await breakRoomSequence(room.id);
    const taskId = (await send(room.id, alice.id, 'keyed', { 'Idempotency-Key': key })).body.data;
    expect(await deadLettered([taskId])).toBe(true);
    expect((await getTaskStatus(taskId)).state).toBe('RETRY');

    await fixRoomSequence(room.id, lastSequence);
    // Within SQS's 5-minute deduplication window of the first send: it must not be dropped as a copy.
    const retry = await send(room.id, alice.id, 'keyed', { 'Idempotency-Key': key });
    expect(retry.body.data).toBe(taskId);
    expect(retry.headers['Idempotent-Replayed']).toBe('true');
    const done = await finishedTask(taskId, 600);
    expect(done).toMatchObject({ state: 'SUCCESS', result: { sequence: 1, text: 'keyed' } });

    expect(await redriveTasks([taskId])).toEqual({ moved: 1 });
    // The moved copy is ahead of the marker in the room's FIFO group: once the marker is stored, the
    // copy was consumed — and it changed nothing.
    const marker = (await send(room.id, alice.id, 'after the copy')).body.data;
    expect(await finishedTask(marker, 600)).toMatchObject({ state: 'SUCCESS', result: { sequence: 2 } });
    expect(await getTaskStatus(taskId)).toEqual(done);
    expect((await listRoomMessages(room.id)).map((m) => m.text)).toEqual(['keyed', 'after the copy']);
  });
});
