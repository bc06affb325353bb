import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { listRoomMessages } from '../../lib/repository/messages.ts';
import { freePorts } from '../../local/free-port.ts';
import { invoke } from '../support/lambda.ts';
import { newRoom, newUser, tasksOfSender } from './fixtures.ts';

/**
 * A queue that does not answer, or is not there at all: the send answers a clean 503 with
 * Retry-After and the task says FAILURE, after the SQS client's bounded attempts — never a request
 * held until the platform's timeout. Each case points the producer (a module registry of its own)
 * at a port on this machine.
 */
async function sendGroupWithQueueAt(queueUrl: string) {
  vi.resetModules();
  process.env.MESSAGE_QUEUE_URL = queueUrl;
  const [{ handler }, { SQS_CLIENT_LIMITS }] = await Promise.all([import('../../functions/send-group.ts'), import('../../lib/queue/message-queue.ts')]);
  return { handler, limits: SQS_CLIENT_LIMITS };
}

const queuePath = '/000000000000/chat-local-messages.fifo';

describe('sending while the queue is unreachable', () => {
  let stalled: Server;
  let stalledPort = 0;
  const requests: string[] = [];

  beforeAll(async () => {
    // Accepts every request and never answers it.
    stalled = createServer((request) => {
      requests.push(request.headers['x-amz-target']?.toString() ?? request.url ?? '');
    });
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
    stalledPort = (stalled.address() as { port: number }).port;
  });

  afterAll(async () => {
    stalled.closeAllConnections();
    await new Promise((resolve) => stalled.close(resolve));
  });

  const send = (handler: Awaited<ReturnType<typeof sendGroupWithQueueAt>>['handler'], roomId: number, from: number) =>
    invoke(handler, { method: 'POST', path: `/chat/group/${roomId}/`, pathParameters: { room_id: String(roomId) }, body: { from, text: 'hi' } });

  it('a queue that never answers: 503 with Retry-After after exactly the client’s attempts, each given up by the client', async () => {
    const { handler, limits } = await sendGroupWithQueueAt(`http://127.0.0.1:${stalledPort}${queuePath}`);
    const alice = await newUser();
    const room = await newRoom([alice]);
    requests.length = 0;
    const answer = await send(handler, room.id, alice.id);

    expect(answer.status).toBe(503);
    expect(answer.headers['Content-Type']).toBe('application/problem+json');
    expect(answer.headers['Retry-After']).toBe('1');
    expect(answer.body).toMatchObject({ status: 503, code: 'service_unavailable' });
    expect(requests).toEqual(Array(limits.maxAttempts).fill('AmazonSQS.SendMessage'));
    expect(await tasksOfSender(alice.id)).toEqual([{ state: 'FAILURE', result: 'The message could not be queued, so it was not sent.' }]);
    expect(await listRoomMessages(room.id)).toEqual([]);
  });

  it('a closed port: 503 with Retry-After, the task says FAILURE', async () => {
    const [closedPort] = await freePorts(1);
    const { handler } = await sendGroupWithQueueAt(`http://127.0.0.1:${closedPort}${queuePath}`);
    const alice = await newUser();
    const room = await newRoom([alice]);
    const answer = await send(handler, room.id, alice.id);

    expect(answer.status).toBe(503);
    expect(answer.headers['Retry-After']).toBe('1');
    expect(answer.body).toMatchObject({ code: 'service_unavailable' });
    expect(await tasksOfSender(alice.id)).toEqual([{ state: 'FAILURE', result: 'The message could not be queued, so it was not sent.' }]);
  });
});
