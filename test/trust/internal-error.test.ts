import { beforeAll, describe, expect, it } from 'vitest';
import { invoke, type HttpAnswer } from '../support/lambda.ts';
import { freePort } from '../../local/free-port.ts';

/** Words that would give away how the service is built or where it failed. */
const INTERNALS = [/ECONNREFUSED/i, /127\.0\.0\.1/, /dynamo/i, /chat-local/, /\bat\s+\S+\s+\(/, /\.ts\b/, /\.m?js\b/, /node_modules/, /[A-Za-z]+(Error|Exception)\b/, /stack/i, /secret-detail/];

function expectNothingInternal(answer: HttpAnswer) {
  expect(answer.status).toBe(500);
  expect(answer.headers).toEqual({ 'Content-Type': 'application/problem+json' });
  expect(answer.body).toEqual({
    type: 'urn:chat-serverless:problem:internal',
    title: 'Internal Server Error',
    status: 500,
    detail: 'Something went wrong on our side; it has been logged.',
    code: 'internal',
  });
  const text = JSON.stringify(answer);
  for (const pattern of INTERNALS) expect(text).not.toMatch(pattern);
}

describe('an internal error answers 500 problem+json and says nothing internal', () => {
  let handlers: { userGet: typeof import('../../functions/user-get.ts').handler; join: typeof import('../../functions/chatroom-join.ts').handler };
  let httpHandler: typeof import('../../lib/http/handler.ts').httpHandler;

  beforeAll(async () => {
    // This file's own module registry: DynamoDB is an address where nothing listens.
    process.env.AWS_ENDPOINT_URL_DYNAMODB = `http://127.0.0.1:${await freePort()}`;
    handlers = {
      userGet: (await import('../../functions/user-get.ts')).handler,
      join: (await import('../../functions/chatroom-join.ts')).handler,
    };
    ({ httpHandler } = await import('../../lib/http/handler.ts'));
  });

  it('DynamoDB unreachable', async () => {
    expectNothingInternal(await invoke(handlers.userGet, { path: '/users/1/', pathParameters: { id: '1' } }));
    expectNothingInternal(await invoke(handlers.join, { method: 'PUT', path: '/chat/chatroom/1/', pathParameters: { id: '1' }, query: { user_id: '1' } }));
  });

  it('a bug: whatever is thrown, with whatever message and stack', async () => {
    const thrown: unknown[] = [
      new TypeError("Cannot read properties of undefined (reading 'secret-detail') at /var/task/functions/x.mjs:1:2"),
      Object.assign(new Error('secret-detail'), { $metadata: { httpStatusCode: 400 }, name: 'ValidationException' }),
      'secret-detail as a string',
      { statusCode: 404, message: 'secret-detail in an object' },
      undefined,
    ];
    for (const value of thrown) {
      const handler = httpHandler(async () => {
        throw value;
      });
      expectNothingInternal(await invoke(handler, { path: '/bug/' }));
    }
  });
});
