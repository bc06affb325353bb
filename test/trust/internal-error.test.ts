import { describe, expect, it } from 'vitest';
import { httpHandler } from '../../lib/http/handler.ts';
import { invoke, type HttpAnswer } from '../support/lambda.ts';

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

// A DynamoDB or SQS failure is not a bug: it answers 503 (test/trust/services-down.test.ts).
describe('an internal error answers 500 problem+json and says nothing internal', () => {
  it('a bug: whatever is thrown, with whatever message and stack', async () => {
    const thrown: unknown[] = [
      new TypeError("Cannot read properties of undefined (reading 'secret-detail') at /var/task/functions/x.mjs:1:2"),
      Object.assign(new Error('secret-detail'), { $metadata: { httpStatusCode: 400 }, name: 'ValidationException' }),
      Object.assign(new Error('secret-detail'), { name: 'TransactionCanceledException', CancellationReasons: [{ Code: 'ConditionalCheckFailed' }] }),
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
