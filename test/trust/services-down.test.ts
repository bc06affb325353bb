import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { freePort } from '../../local/free-port.ts';
import { invoke, type HttpAnswer, type HttpCall } from '../support/lambda.ts';

/**
 * DynamoDB that refuses connections, or accepts them and never answers: every handler answers a
 * clean 503 problem+json with Retry-After once the SDK's budget (lib/repository/client.ts) is
 * spent, never a 500 and never a request held until the Lambda's timeout. Each describe block
 * loads the handlers afresh (a new module registry) against its own address.
 */

/** Accepts connections and reads requests without ever answering; counts the HTTP requests it got. */
class BlackHole {
  readonly sockets = new Set<Socket>();
  requests = 0;
  private readonly server: Server = createServer((socket) => {
    this.sockets.add(socket);
    socket.on('data', (chunk) => (this.requests += chunk.toString('latin1').match(/^POST \/ HTTP\/1\.1/gm)?.length ?? 0));
    socket.on('error', () => {});
  });

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

function expectServiceUnavailable(answer: HttpAnswer) {
  expect(answer.status, JSON.stringify(answer.body)).toBe(503);
  expect(answer.headers['Content-Type']).toBe('application/problem+json');
  expect(Number(answer.headers['Retry-After'])).toBeGreaterThanOrEqual(1);
  expect(answer.body).toMatchObject({ status: 503, code: 'service_unavailable', title: 'Service Unavailable' });
  expect(JSON.stringify(answer.body)).not.toMatch(/ECONNREFUSED|ETIMEDOUT|127\.0\.0\.1|Error\b|dynamo/i);
}

const hole = new BlackHole();
type Handler = Parameters<typeof invoke>[0];
const handlers: Record<string, Handler> = {};
let budget: { maxAttempts: number };

/** One request per handler, each starting with exactly one DynamoDB call (so its attempts can be counted). */
const calls: [string, string, HttpCall][] = [
  ['GET /users/:id/', 'user-get', { path: '/users/1/', pathParameters: { id: '1' } }],
  ['PATCH /users/:id/', 'user-patch', { method: 'PATCH', path: '/users/1/', pathParameters: { id: '1' }, body: { first_name: 'x' } }],
  ['PUT /chat/chatroom/:id/ (join)', 'chatroom-join', { method: 'PUT', path: '/chat/chatroom/1/', pathParameters: { id: '1' }, query: { user_id: '1' } }],
  ['GET /chat/chatroom/?user_id=', 'chatroom-list', { path: '/chat/chatroom/', query: { user_id: '1' } }],
  ['GET /chat/messages/:id/', 'messages-list', { path: '/chat/messages/1/', pathParameters: { room_id: '1' }, query: { user_id: '1' } }],
  ['GET /chat/messages/unseen/?wait=20', 'messages-unseen', { path: '/chat/messages/unseen/', query: { user_id: '1', wait: '20' } }],
  ['POST /auth/token/', 'auth-token', { method: 'POST', path: '/auth/token/', body: { username: 'user_1', password: 'Passw0rd!' } }],
];

describe.each(['refused', 'stalled'] as const)('DynamoDB %s', (kind) => {
  beforeAll(async () => {
    vi.resetModules();
    if (kind === 'stalled') {
      process.env.AWS_ENDPOINT_URL_DYNAMODB = await hole.listen();
      // A short budget keeps this file fast; the defaults are checked in test/unit/service-errors.test.ts.
      process.env.DYNAMODB_REQUEST_TIMEOUT_MS = '300';
    } else {
      process.env.AWS_ENDPOINT_URL_DYNAMODB = `http://127.0.0.1:${await freePort()}`;
    }
    for (const [, file] of calls) handlers[file] = (await import(`../../functions/${file}.ts`)).handler;
    ({ DYNAMODB_BUDGET: budget } = await import('../../lib/repository/client.ts'));
  });

  afterAll(async () => {
    if (kind === 'stalled') await hole.close();
  });

  it.each(calls)('%s answers 503 with Retry-After', async (_name, file, call) => {
    const before = hole.requests;
    expectServiceUnavailable(await invoke(handlers[file]!, call));
    // The stalled endpoint saw exactly the SDK's attempts of the one call, and no more.
    if (kind === 'stalled') expect(hole.requests - before).toBe(budget.maxAttempts);
  });
});
