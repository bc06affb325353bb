import { describe, expect, it } from 'vitest';
import { invoke, uniqueName, type HttpCall } from '../support/lambda.ts';

// Token mode for this file's own module registry.
process.env.AUTH_MODE = 'token';
process.env.AUTH_TOKEN_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';
const { issueToken } = await import('../../lib/auth/tokens.ts');
const { createUser } = await import('../../lib/users/service.ts');
const { createGroupRoom } = await import('../../lib/rooms/service.ts');
const { getTask } = await import('../../lib/repository/tasks.ts');
const { dynamoUsage, resetDynamoUsage } = await import('../../lib/repository/client.ts');
const handlers = {
  sendGroup: (await import('../../functions/send-group.ts')).handler,
  sendDirect: (await import('../../functions/send-direct.ts')).handler,
  userGet: (await import('../../functions/user-get.ts')).handler,
  userPatch: (await import('../../functions/user-patch.ts')).handler,
  userReplace: (await import('../../functions/user-replace.ts')).handler,
  userDelete: (await import('../../functions/user-delete.ts')).handler,
  openapi: (await import('../../functions/openapi.ts')).handler,
  taskState: (await import('../../functions/task-state.ts')).handler,
};

async function member() {
  const user = await createUser({ username: uniqueName('tok'), password: 'Passw0rd!' });
  const { token } = await issueToken(user.id);
  return { id: user.id, username: user.username, auth: { authorization: `Bearer ${token}` } };
}

async function pairInRoom() {
  const [alice, bob] = await Promise.all([member(), member()]);
  const room = await createGroupRoom({ room_name: uniqueName('tokroom'), room_member: [alice, bob] });
  return { alice, bob, room };
}

const call = (handler: keyof typeof handlers, request: HttpCall) => invoke(handlers[handler], request);
const toRoom = (roomId: number, headers: Record<string, string>, body: unknown): HttpCall => ({
  method: 'POST',
  path: `/chat/group/${roomId}/`,
  pathParameters: { room_id: String(roomId) },
  headers,
  body,
});
const toUser = (userId: number, headers: Record<string, string>, body: unknown): HttpCall => ({
  method: 'POST',
  path: `/chat/user/${userId}/`,
  pathParameters: { user_id: String(userId) },
  headers,
  body,
});

describe('token mode: a task is visible to its sender only', () => {
  it('answers the sender, and the same 404 as an unknown id to anyone else', async () => {
    const { alice, bob, room } = await pairInRoom();
    const sent = await call('sendGroup', toRoom(room.id, alice.auth, { text: 'mine' }));
    const taskId = sent.body.data as string;
    const state = (who: { auth: Record<string, string> }, id = taskId) =>
      call('taskState', { path: `/chat/task_state/${id}`, pathParameters: { task_id: id }, headers: who.auth });
    expect((await state(alice)).status).toBe(200);
    const foreign = await state(bob);
    const unknown = await state(bob, 'a487117c-d31b-45b0-ae3c-28126b0f3ec2');
    expect(foreign.status).toBe(404);
    expect(foreign.body).toEqual({ ...unknown.body, detail: `Task ${taskId} not found.` });
  });
});

describe('token mode: the sender of a message is the token’s user', () => {
  it('may leave out from; the message is sent as the token’s user', async () => {
    const { alice, bob, room } = await pairInRoom();
    const group = await call('sendGroup', toRoom(room.id, alice.auth, { text: 'no from' }));
    expect(group.status).toBe(200);
    expect((await getTask(group.body.data))?.request).toEqual({ roomId: room.id, senderId: alice.id });
    const direct = await call('sendDirect', toUser(bob.id, alice.auth, { text: 'no from' }));
    expect(direct.status).toBe(200);
    expect((await getTask(direct.body.data))?.request.senderId).toBe(alice.id);
  });

  it('accepts from when it names the token’s user (digits as text too, as DRF)', async () => {
    const { alice, room } = await pairInRoom();
    expect((await call('sendGroup', toRoom(room.id, alice.auth, { from: alice.id, text: 'hi' }))).status).toBe(200);
    expect((await call('sendGroup', toRoom(room.id, alice.auth, { from: String(alice.id), text: 'hi' }))).status).toBe(200);
  });

  it('answers 403 to a from naming anyone else, on both send endpoints, and reads and writes nothing', async () => {
    const { alice, bob, room } = await pairInRoom();
    resetDynamoUsage();
    const group = await call('sendGroup', toRoom(room.id, alice.auth, { from: bob.id, text: 'as bob' }));
    const direct = await call('sendDirect', toUser(alice.id, alice.auth, { from: bob.id, text: 'as bob' }));
    for (const answer of [group, direct]) {
      expect(answer.status).toBe(403);
      expect(answer.headers['Content-Type']).toBe('application/problem+json');
      expect(answer.body).toMatchObject({ code: 'forbidden', status: 403 });
    }
    expect(dynamoUsage().requests).toBe(0);
  });

  it('answers 401 without a token, and still 400 to a bad body with one', async () => {
    const { alice, room } = await pairInRoom();
    expect((await call('sendGroup', toRoom(room.id, {}, { from: alice.id, text: 'hi' }))).status).toBe(401);
    const blank = await call('sendGroup', toRoom(room.id, alice.auth, { text: '  ' }));
    expect(blank.status).toBe(400);
    expect(blank.body.errors).toHaveProperty('text');
    expect((await call('sendGroup', toRoom(room.id, alice.auth, { from: 0, text: 'hi' }))).status).toBe(400);
  });
});

describe('token mode: users', () => {
  const userCall = (method: string, userId: number, headers: Record<string, string>, body?: unknown): HttpCall => ({
    method,
    path: `/users/${userId}/`,
    pathParameters: { id: String(userId) },
    headers,
    ...(body === undefined ? {} : { body }),
  });

  it('PUT, PATCH and DELETE only for oneself: 403 for another user, who stays unchanged', async () => {
    const [alice, bob] = await Promise.all([member(), member()]);
    const before = await call('userGet', userCall('GET', bob.id, alice.auth));
    expect(before.status).toBe(200);
    const attempts = [
      await call('userPatch', userCall('PATCH', bob.id, alice.auth, { first_name: 'Mallory' })),
      await call('userReplace', userCall('PUT', bob.id, alice.auth, { username: uniqueName('taken'), profile: { status: 'Busy' } })),
      await call('userDelete', userCall('DELETE', bob.id, alice.auth)),
    ];
    for (const answer of attempts) {
      expect(answer.status).toBe(403);
      expect(answer.body.code).toBe('forbidden');
    }
    expect((await call('userGet', userCall('GET', bob.id, bob.auth))).body).toEqual(before.body);
  });

  it('PUT, PATCH and DELETE work on oneself', async () => {
    const alice = await member();
    const patched = await call('userPatch', userCall('PATCH', alice.id, alice.auth, { first_name: 'Alice' }));
    expect(patched.status).toBe(200);
    expect(patched.body.first_name).toBe('Alice');
    const replaced = await call('userReplace', userCall('PUT', alice.id, alice.auth, { username: alice.username, profile: { status: 'Busy' } }));
    expect(replaced.status).toBe(200);
    expect(replaced.body.profile.status).toBe('Busy');
    expect((await call('userDelete', userCall('DELETE', alice.id, alice.auth))).status).toBe(204);
  });

  it('GET /users/:id/ needs a token', async () => {
    const alice = await member();
    const answer = await call('userGet', userCall('GET', alice.id, {}));
    expect(answer.status).toBe(401);
    expect(answer.headers['WWW-Authenticate']).toBe('Bearer');
  });
});

describe('token mode: the API description', () => {
  it('is public, and documents Bearer authentication with from optional', async () => {
    const answer = await call('openapi', { path: '/openapi.json' });
    expect(answer.status).toBe(200);
    expect(answer.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    const send = answer.body.paths['/chat/group/{room_id}/'].post;
    expect(send.requestBody.content['application/json'].schema.required).toEqual(['text']);
    expect(answer.body.paths['/users/'].post.security).toEqual([]);
  });
});
