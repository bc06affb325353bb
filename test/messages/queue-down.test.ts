import { beforeAll, describe, expect, it } from 'vitest';
import { listRoomMessages } from '../../lib/repository/messages.ts';
import { invoke, uniqueName } from '../support/lambda.ts';
import { newRoom, newUser, tasksOfSender } from './fixtures.ts';

describe('sending while the queue is unavailable', () => {
  let sendGroup: typeof import('../../functions/send-group.ts').handler;

  beforeAll(async () => {
    // This file has its own module registry: point the producer at a queue that does not exist.
    process.env.MESSAGE_QUEUE_URL = new URL('chat-local-missing.fifo', process.env.MESSAGE_QUEUE_URL).href;
    ({ handler: sendGroup } = await import('../../functions/send-group.ts'));
  });

  const send = (roomId: number, from: number, headers?: Record<string, string>) =>
    invoke(sendGroup, { method: 'POST', path: `/chat/group/${roomId}/`, pathParameters: { room_id: String(roomId) }, body: { from, text: 'hi' }, ...(headers ? { headers } : {}) });

  it('answers 503 with no task id, and the task records the failure', async () => {
    const alice = await newUser();
    const room = await newRoom([alice]);
    const answer = await send(room.id, alice.id);

    expect(answer.status).toBe(503);
    expect(answer.headers['Content-Type']).toBe('application/problem+json');
    expect(answer.headers['Retry-After']).toBe('1');
    expect(answer.body).toMatchObject({ status: 503, code: 'service_unavailable' });
    expect(JSON.stringify(answer.body)).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
    expect(await tasksOfSender(alice.id)).toEqual([{ state: 'FAILURE', result: 'The message could not be queued, so it was not sent.' }]);
    expect(await listRoomMessages(room.id)).toEqual([]);
  });

  it('frees the Idempotency-Key, so a retry with it runs again instead of replaying the failure', async () => {
    const alice = await newUser();
    const room = await newRoom([alice]);
    const key = uniqueName('key');
    expect((await send(room.id, alice.id, { 'Idempotency-Key': key })).status).toBe(503);
    const retry = await send(room.id, alice.id, { 'Idempotency-Key': key });
    expect(retry.status).toBe(503);
    expect(retry.headers['Idempotent-Replayed']).toBeUndefined();
    expect(await tasksOfSender(alice.id)).toHaveLength(2);
  });
});
