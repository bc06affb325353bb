import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkLambdaAnswer, httpEvent, invoke, lambdaContext, uniqueName, type HttpAnswer, type HttpCall } from '../support/lambda.ts';
import { TEST_FILE_HORIZON_SECONDS, windowWithoutBoundaryWithin } from '../support/rate-window.ts';

// This file's own module registry: low limits, and a private stage so its Redis keys (the same
// real Redis as the cache, behind the Upstash REST bridge) are its own. Every test counts up to a
// limit with fresh senders, usernames and addresses, in a window none of whose boundaries falls
// within this file's run: each limit is then exact, never a sliding window's approximation.
const WINDOW_SECONDS = windowWithoutBoundaryWithin(TEST_FILE_HORIZON_SECONDS);
process.env.STAGE = `ratelimit-${randomUUID().slice(0, 8)}`;
process.env.RATE_LIMIT_SENDS = `3/${WINDOW_SECONDS}s`;
process.env.RATE_LIMIT_LOGINS_PER_USER = `2/${WINDOW_SECONDS}s`;
process.env.RATE_LIMIT_LOGINS_PER_IP = `4/${WINDOW_SECONDS}s`;
const { keyPrefix } = await import('../../lib/cache/redis.ts');
const { handler: sendGroup } = await import('../../functions/send-group.ts');
const { handler: sendDirect } = await import('../../functions/send-direct.ts');
const { handler: tokenHandler } = await import('../../functions/auth-token.ts');
const { createUser } = await import('../../lib/users/service.ts');
const { createGroupRoom } = await import('../../lib/rooms/service.ts');
const { dynamoUsage, resetDynamoUsage } = await import('../../lib/repository/client.ts');

async function newUser() {
  const user = await createUser({ username: uniqueName('limited'), password: 'Passw0rd!' });
  return { id: user.id, username: user.username };
}

const group = (roomId: number, body: unknown) =>
  invoke(sendGroup, { method: 'POST', path: `/chat/group/${roomId}/`, pathParameters: { room_id: String(roomId) }, body });

/** invoke() with another client address (requestContext.http.sourceIp). */
async function fromIp(ip: string, call: HttpCall): Promise<HttpAnswer> {
  const event = httpEvent(call);
  event.requestContext.http.sourceIp = ip;
  const result = (await tokenHandler(event, lambdaContext())) as { statusCode: number; headers?: Record<string, string>; body?: string };
  await checkLambdaAnswer(tokenHandler, event, result);
  return { status: result.statusCode, headers: result.headers ?? {}, body: result.body ? JSON.parse(result.body) : undefined };
}

const login = (ip: string, username: string, password: string) =>
  fromIp(ip, { method: 'POST', path: '/auth/token/', body: { username, password } });

const randomIp = () => `10.${[0, 0, 0].map(() => Math.floor(Math.random() * 250) + 1).join('.')}`;

function expectRateLimited(answer: HttpAnswer, limit: number) {
  expect(answer.status).toBe(429);
  expect(answer.headers['Content-Type']).toBe('application/problem+json');
  expect(answer.body).toMatchObject({ status: 429, code: 'rate_limited', title: 'Too Many Requests' });
  const retryAfter = Number(answer.headers['Retry-After']);
  expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= WINDOW_SECONDS).toBe(true);
  expect(answer.headers['RateLimit-Limit']).toBe(String(limit));
  expect(answer.headers['RateLimit-Remaining']).toBe('0');
  expect(answer.headers['RateLimit-Reset']).toBe(answer.headers['Retry-After']);
}

describe('rate limits on the real Redis (sliding windows, limits from the environment)', () => {
  it('counts in a namespace of its own (the private stage reached lib before lib read it)', () => {
    expect(keyPrefix).toBe(`chat:${process.env.STAGE}`);
  });

  it('sends: per sender, across both send endpoints; the 429 reads and writes nothing', async () => {
    const [alice, bob, carol] = await Promise.all([newUser(), newUser(), newUser()]);
    const room = await createGroupRoom({ room_name: uniqueName('limited'), room_member: [alice, bob] });
    for (let n = 0; n < 2; n++) expect((await group(room.id, { from: alice.id, text: `hi ${n}` })).status).toBe(200);
    const third = await invoke(sendDirect, { method: 'POST', path: `/chat/user/${carol.id}/`, pathParameters: { user_id: String(carol.id) }, body: { from: alice.id, text: 'hi carol' } });
    expect(third.status).toBe(200);

    resetDynamoUsage();
    const fourth = await group(room.id, { from: alice.id, text: 'one too many' });
    expectRateLimited(fourth, 3);
    expect(dynamoUsage().requests).toBe(0);

    // Another sender has a budget of their own.
    expect((await group(room.id, { from: bob.id, text: 'still fine' })).status).toBe(200);
  });

  it('logins: per username, whatever the address and whether the password was right', async () => {
    const user = await newUser();
    expect((await login(randomIp(), user.username, 'wrong')).status).toBe(401);
    expect((await login(randomIp(), user.username, 'Passw0rd!')).status).toBe(200);
    resetDynamoUsage();
    expectRateLimited(await login(randomIp(), user.username, 'Passw0rd!'), 2);
    expect(dynamoUsage().requests).toBe(0);
  });

  it('logins: per client IP, whatever the username; other addresses are not affected', async () => {
    const ip = randomIp();
    for (let n = 0; n < 4; n++) expect((await login(ip, uniqueName('guess'), 'nope')).status).toBe(401);
    expectRateLimited(await login(ip, uniqueName('guess'), 'nope'), 4);
    const user = await newUser();
    expect((await login(randomIp(), user.username, 'Passw0rd!')).status).toBe(200);
  });
});
