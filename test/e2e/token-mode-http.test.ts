import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/local-stack.ts';
import { chatFlow, signIn } from '../../client/example.ts';
import { checkedFetch, http } from '../support/http.ts';
import { uniqueName, type HttpAnswer } from '../support/lambda.ts';

/**
 * Token mode end to end over real HTTP: this file starts a local stack of its own (the shared one
 * runs query mode) with AUTH_MODE=token, so serverless-offline's stage `local` gives every function
 * AUTH_MODE and AUTH_TOKEN_SECRET from the environment, as a deployed stage gets them from SSM.
 */
let stack: LocalStack;

beforeAll(async () => {
  process.env.AUTH_MODE = 'token';
  process.env.AUTH_TOKEN_SECRET = 'e2e-secret-that-is-long-enough-for-hs256-0123456789';
  // With the SQS poller: the typed-client flow below waits for its messages to be stored.
  stack = await startLocalStack({ stage: 'local', offline: true, poller: true, authMode: 'token', log: () => {} });
});

afterAll(async () => {
  await stack?.stop();
});

/** Over HTTP to this file's stack; every answer is checked against the OpenAPI document. */
const api = (method: string, path: string, options: { token?: string; body?: unknown } = {}): Promise<HttpAnswer> =>
  http(method, path, { base: stack.httpUrl!, body: options.body, headers: options.token ? { Authorization: `Bearer ${options.token}` } : {} });

/** Signs up (public) and logs in, both over HTTP. */
async function signUpAndLogIn(): Promise<{ id: number; username: string; token: string }> {
  const username = uniqueName('e2e');
  const created = await api('POST', '/users/', { body: { username, password: 'Correct-Horse-1' } });
  expect(created.status).toBe(201);
  const login = await api('POST', '/auth/token/', { body: { username, password: 'Correct-Horse-1' } });
  expect(login.status).toBe(200);
  expect(login.body).toMatchObject({ token_type: 'Bearer', expires_in: 900, user_id: created.body.id });
  return { id: created.body.id, username, token: login.body.access_token };
}

function expectProblem(answer: HttpAnswer, status: number) {
  expect(answer.status).toBe(status);
  expect(answer.headers['content-type']).toContain('application/problem+json');
  expect(answer.body.status).toBe(status);
}

describe('token mode over HTTP (AUTH_MODE=token, a local stack of its own)', () => {
  it('login works; a token speaks only for its own user', async () => {
    const [alice, bob] = [await signUpAndLogIn(), await signUpAndLogIn()];
    const wrong = await api('POST', '/auth/token/', { body: { username: alice.username, password: 'wrong' } });
    expectProblem(wrong, 401);
    expect(wrong.body.code).toBe('invalid_credentials');

    // Bob's room: only Bob is in it.
    const room = await api('POST', `/chat/chatroom/?user_id=${bob.id}`, { token: bob.token, body: { room_name: uniqueName('bobs') } });
    expect(room.status).toBe(200);
    const roomId: number = room.body.data.id;
    expect(room.body.data.room_member).toEqual([{ username: bob.username }]);

    // Bob himself: reads his room and sends without `from`.
    const bobReads = await api('GET', `/chat/messages/${roomId}/`, { token: bob.token });
    expect(bobReads.status).toBe(200);
    const bobSends = await api('POST', `/chat/group/${roomId}/`, { token: bob.token, body: { text: 'mine' } });
    expect(bobSends.status).toBe(200);

    // Alice's token cannot read Bob's room's messages: not as herself (not a member, 404)…
    expectProblem(await api('GET', `/chat/messages/${roomId}/`, { token: alice.token }), 404);
    // …nor by naming Bob.
    expectProblem(await api('GET', `/chat/messages/${roomId}/?user_id=${bob.id}`, { token: alice.token }), 403);
    // She cannot send as Bob, to his room or to anyone.
    expectProblem(await api('POST', `/chat/group/${roomId}/`, { token: alice.token, body: { from: bob.id, text: 'as bob' } }), 403);
    expectProblem(await api('POST', `/chat/user/${alice.id}/`, { token: alice.token, body: { from: bob.id, text: 'as bob' } }), 403);
    // She cannot make Bob leave.
    expectProblem(await api('DELETE', `/chat/chatroom/${roomId}/?user_id=${bob.id}`, { token: alice.token }), 403);
    // Nor change or delete him.
    expectProblem(await api('PATCH', `/users/${bob.id}/`, { token: alice.token, body: { first_name: 'Mallory' } }), 403);
    expectProblem(await api('DELETE', `/users/${bob.id}/`, { token: alice.token }), 403);

    // Bob is still in his room, unchanged.
    const after = await api('GET', `/chat/chatroom/${roomId}/?user_id=${bob.id}`, { token: bob.token });
    expect(after.status).toBe(200);
    expect(after.body.data.room_member).toEqual([{ username: bob.username }]);
  });

  it('answers 401 without a token (or with a bad one) where one is needed; sign-up, login and the API description are open', async () => {
    const alice = await signUpAndLogIn();
    for (const [method, path] of [
      ['GET', '/users/'],
      ['GET', `/users/${alice.id}/`],
      ['GET', '/chat/chatroom/'],
      ['GET', '/chat/messages/1/'],
      ['GET', '/chat/messages/unseen/'],
      ['POST', '/chat/group/1/'],
      ['GET', '/chat/task_state/a487117c-d31b-45b0-ae3c-28126b0f3ec2'],
    ] as const) {
      const answer = await api(method, path, method === 'POST' ? { body: { from: alice.id, text: 'hi' } } : {});
      expectProblem(answer, 401);
      expect(answer.headers['www-authenticate']).toBe('Bearer');
      expectProblem(await api(method, path, { token: `${alice.token}x` }), 401);
    }
    const description = await api('GET', '/openapi.json');
    expect(description.status).toBe(200);
    expect(description.body.openapi).toBe('3.1.0');
    expect(description.body.components.securitySchemes.bearer.scheme).toBe('bearer');
  });

  it('the typed client generated from the local document runs the same chat flow against a token-mode stage', async () => {
    const [alice, bob] = [await signUpAndLogIn(), await signUpAndLogIn()];
    const { client, userId } = await signIn({ baseUrl: stack.httpUrl!, fetch: checkedFetch }, alice.username, 'Correct-Horse-1');
    expect(userId).toBe(alice.id);
    const flow = await chatFlow(client, { userId, member: bob.username, texts: ['one', 'two', 'three'] });
    expect(flow.replayed).toBe(true);
    expect(flow.stored).toMatchObject({ room: { id: flow.roomId }, msg_from: { id: alice.id, username: alice.username }, text: 'one' });
    expect(flow.history).toEqual(['one', 'two', 'three']);
  });
});
