import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { checkLambdaAnswer, httpEvent, invoke, lambdaContext, uniqueName, type HttpAnswer, type HttpCall } from '../support/lambda.ts';
import { TEST_FILE_HORIZON_SECONDS, windowWithoutBoundaryWithin } from '../support/rate-window.ts';

// Token mode for this file's own module registry, with a private stage (its own rate-limit keys)
// and a low sign-up limit, in a window with no boundary during this file's run (the limit is then
// exact: test/support/rate-window.ts).
process.env.AUTH_MODE = 'token';
process.env.AUTH_TOKEN_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';
process.env.STAGE = `token-life-${randomUUID().slice(0, 8)}`;
process.env.RATE_LIMIT_SIGNUPS_PER_IP = `2/${windowWithoutBoundaryWithin(TEST_FILE_HORIZON_SECONDS)}s`;
const { issueToken } = await import('../../lib/auth/tokens.ts');
const { createUser } = await import('../../lib/users/service.ts');
const { createGroupRoom } = await import('../../lib/rooms/service.ts');
const { findUserIdByUsername } = await import('../../lib/repository/users.ts');
const { dynamoUsage, resetDynamoUsage } = await import('../../lib/repository/client.ts');
const handlers = {
  usersList: (await import('../../functions/users-list.ts')).handler,
  usersCreate: (await import('../../functions/users-create.ts')).handler,
  userGet: (await import('../../functions/user-get.ts')).handler,
  userPatch: (await import('../../functions/user-patch.ts')).handler,
  userDelete: (await import('../../functions/user-delete.ts')).handler,
  roomList: (await import('../../functions/chatroom-list.ts')).handler,
  roomGet: (await import('../../functions/chatroom-get.ts')).handler,
  roomCreate: (await import('../../functions/chatroom-create.ts')).handler,
  roomJoin: (await import('../../functions/chatroom-join.ts')).handler,
  roomMembers: (await import('../../functions/chatroom-members.ts')).handler,
  sendGroup: (await import('../../functions/send-group.ts')).handler,
  history: (await import('../../functions/messages-list.ts')).handler,
  unseen: (await import('../../functions/messages-unseen.ts')).handler,
};

const WRITES = /^(Put|Update|Delete|TransactWrite|BatchWrite)/;
const writes = () => Object.entries(dynamoUsage().byCommand).filter(([command]) => WRITES.test(command)).reduce((sum, [, n]) => sum + n, 0);

async function member() {
  const user = await createUser({ username: uniqueName('life'), password: 'Passw0rd!' });
  const { token } = await issueToken(user.id);
  return { id: user.id, username: user.username, auth: { authorization: `Bearer ${token}` } };
}

const call = (handler: keyof typeof handlers, request: HttpCall) => invoke(handlers[handler], request);
const roomPath = (id: number) => ({ path: `/chat/chatroom/${id}/`, pathParameters: { id: String(id) } });

describe('token mode: POST /chat/chatroom/ makes the token’s user a member', () => {
  it('without user_id: the creator is in room_member and can send to the room at once', async () => {
    const [alice, bob] = await Promise.all([member(), member()]);
    const created = await call('roomCreate', { method: 'POST', path: '/chat/chatroom/', headers: alice.auth, body: { room_name: uniqueName('mine'), room_member: [{ username: bob.username }] } });
    expect(created.status).toBe(200);
    expect(created.body.data.room_member).toEqual([alice, bob].sort((x, y) => x.id - y.id).map(({ username }) => ({ username })));
    const sent = await call('sendGroup', { method: 'POST', path: `/chat/group/${created.body.data.id}/`, pathParameters: { room_id: String(created.body.data.id) }, headers: alice.auth, body: { text: 'first!' } });
    expect(sent.status).toBe(200);
  });

  it('with no room_member at all: a room of one (never an empty room in token mode)', async () => {
    const alice = await member();
    const created = await call('roomCreate', { method: 'POST', path: '/chat/chatroom/', headers: alice.auth, body: { room_name: uniqueName('solo') } });
    expect(created.body.data).toMatchObject({ room_member: [{ username: alice.username }], member_count: 1 });
  });
});

describe('token mode: a deleted user’s token is useless at once', () => {
  it('every endpoint refuses it (401 invalid_token, 404 for the user, 400 for a send’s sender) and writes nothing', async () => {
    const [gone, other] = await Promise.all([member(), member()]);
    const room = await createGroupRoom({ room_name: uniqueName('left-behind'), room_member: [gone, other] });
    expect((await call('userDelete', { method: 'DELETE', path: `/users/${gone.id}/`, pathParameters: { id: String(gone.id) }, headers: gone.auth })).status).toBe(204);

    resetDynamoUsage();
    const attempts: [string, Promise<HttpAnswer>][] = [
      ['GET /users/', call('usersList', { path: '/users/', headers: gone.auth })],
      ['GET /users/:other/', call('userGet', { path: `/users/${other.id}/`, pathParameters: { id: String(other.id) }, headers: gone.auth })],
      ['GET /users/:self/', call('userGet', { path: `/users/${gone.id}/`, pathParameters: { id: String(gone.id) }, headers: gone.auth })],
      ['PATCH /users/:self/', call('userPatch', { method: 'PATCH', path: `/users/${gone.id}/`, pathParameters: { id: String(gone.id) }, headers: gone.auth, body: { first_name: 'Zombie' } })],
      ['GET /chat/chatroom/ (anonymous view)', call('roomList', { path: '/chat/chatroom/', headers: gone.auth })],
      ['GET /chat/chatroom/ (own rooms)', call('roomList', { path: '/chat/chatroom/', query: { user_id: String(gone.id) }, headers: gone.auth })],
      ['GET /chat/chatroom/:id/ (anonymous view)', call('roomGet', { ...roomPath(room.id), headers: gone.auth })],
      ['POST /chat/chatroom/ with others', call('roomCreate', { method: 'POST', path: '/chat/chatroom/', headers: gone.auth, body: { room_name: uniqueName('zombie'), room_member: [{ username: other.username }] } })],
      ['PUT /chat/chatroom/:id/', call('roomJoin', { method: 'PUT', ...roomPath(room.id), headers: gone.auth })],
      ['GET /chat/chatroom/:id/members/', call('roomMembers', { path: `/chat/chatroom/${room.id}/members/`, pathParameters: { id: String(room.id) }, headers: gone.auth })],
      ['POST /chat/group/:id/', call('sendGroup', { method: 'POST', path: `/chat/group/${room.id}/`, pathParameters: { room_id: String(room.id) }, headers: gone.auth, body: { text: 'boo' } })],
      ['GET /chat/messages/:id/', call('history', { path: `/chat/messages/${room.id}/`, pathParameters: { room_id: String(room.id) }, headers: gone.auth })],
      ['GET /chat/messages/unseen/', call('unseen', { path: '/chat/messages/unseen/', headers: gone.auth })],
    ];
    for (const [name, pending] of attempts) {
      const answer = await pending;
      // A send names its sender: the send API answers an unknown sender with 400 on `from`.
      const refusals = name.startsWith('POST /chat/group/') ? [400] : [401, 404];
      expect(refusals, `${name}: ${JSON.stringify(answer.body)}`).toContain(answer.status);
      expect(answer.headers['Content-Type'], name).toBe('application/problem+json');
      if (answer.status === 401) expect(answer.body.code, name).toBe('invalid_token');
    }
    // The create with others wrote nothing: no counter id, no room.
    expect(writes()).toBe(0);
  });

  it('a live user’s token still works on those endpoints (one GetItem more where the endpoint would not read the user)', async () => {
    const alice = await member();
    resetDynamoUsage();
    const list = await call('usersList', { path: '/users/', query: { username: alice.username }, headers: alice.auth });
    expect(list.status).toBe(200);
    expect(list.body.map((user: { id: number }) => user.id)).toEqual([alice.id]);
    expect(dynamoUsage().byCommand.GetItemCommand).toBe(1);
    expect((await call('roomList', { path: '/chat/chatroom/', headers: alice.auth })).status).toBe(200);
  });
});

describe('token mode: two Authorization headers', () => {
  it('as API Gateway passes them (joined with a comma) are refused with 401, before anything is read', async () => {
    const alice = await member();
    const token = alice.auth.authorization;
    for (const joined of [`${token}, ${token}`, `${token},${token}`, `${token}, Bearer other`, `Basic dXNlcjpwYXNz, ${token}`]) {
      resetDynamoUsage();
      const answer = await call('userGet', { path: `/users/${alice.id}/`, pathParameters: { id: String(alice.id) }, headers: { authorization: joined } });
      expect(answer.status, joined).toBe(401);
      expect(answer.body.code).toBe('invalid_token');
      expect(answer.headers['WWW-Authenticate']).toBe('Bearer');
      expect(dynamoUsage().requests).toBe(0);
    }
  });
});

describe('token mode: sign-ups are limited per client IP', () => {
  const signUp = async (ip: string, username = uniqueName('signup')) => {
    const event = httpEvent({ method: 'POST', path: '/users/', body: { username, password: 'Passw0rd!' } });
    event.requestContext.http.sourceIp = ip;
    const result = (await handlers.usersCreate(event, lambdaContext())) as { statusCode: number; headers?: Record<string, string>; body?: string };
    await checkLambdaAnswer(handlers.usersCreate, event, result);
    return { status: result.statusCode, headers: result.headers ?? {}, body: result.body ? JSON.parse(result.body) : undefined, username };
  };

  it('the third sign-up from one address within the window is 429 and creates nothing; another address is not limited', async () => {
    const ip = `10.9.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
    expect((await signUp(ip)).status).toBe(201);
    expect((await signUp(ip)).status).toBe(201);
    resetDynamoUsage();
    const refused = await signUp(ip);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ code: 'rate_limited' });
    expect(refused.headers['RateLimit-Limit']).toBe('2');
    expect(Number(refused.headers['Retry-After'])).toBeGreaterThanOrEqual(1);
    expect(dynamoUsage().requests).toBe(0);
    expect(await findUserIdByUsername(refused.username)).toBeUndefined();
    expect((await signUp('10.8.0.1')).status).toBe(201);
  });
});

describe('token mode: AUTH_TOKEN_SECRET is checked at cold start', () => {
  it.each([
    ['missing', undefined],
    ['shorter than 32 characters', 'too-short-secret'],
  ])('%s: the function does not start (its import fails), instead of answering 401 to every request', async (_case, secret) => {
    vi.resetModules();
    const saved = process.env.AUTH_TOKEN_SECRET;
    if (secret === undefined) delete process.env.AUTH_TOKEN_SECRET;
    else process.env.AUTH_TOKEN_SECRET = secret;
    try {
      for (const file of ['user-get', 'chatroom-list', 'users-create']) {
        await expect(import(`../../functions/${file}.ts`), file).rejects.toThrow(/AUTH_TOKEN_SECRET/);
      }
    } finally {
      process.env.AUTH_TOKEN_SECRET = saved;
      vi.resetModules();
    }
  });
});
