import { describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { invoke, uniqueName } from '../support/lambda.ts';

// Token mode for this file's own module registry.
process.env.AUTH_MODE = 'token';
process.env.AUTH_TOKEN_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';
const { handler: tokenHandler } = await import('../../functions/auth-token.ts');
const { handler: createHandler } = await import('../../functions/users-create.ts');
const { handler: listHandler } = await import('../../functions/users-list.ts');
const { dynamoUsage, resetDynamoUsage } = await import('../../lib/repository/client.ts');

async function signUp(password = 'Correct-Horse-1') {
  const username = uniqueName('login');
  const created = await invoke(createHandler, { method: 'POST', path: '/users/', body: { username, password } });
  expect(created.status).toBe(201);
  return { id: created.body.id as number, username, password };
}

const login = (body: unknown) => invoke(tokenHandler, { method: 'POST', path: '/auth/token/', body });

describe('POST /auth/token/', () => {
  it('exchanges a username and password for a short-lived Bearer token whose subject is the user', async () => {
    const user = await signUp();
    const answer = await login({ username: user.username, password: user.password });
    expect(answer.status).toBe(200);
    expect(answer.headers['Cache-Control']).toBe('no-store');
    expect(answer.body).toMatchObject({ token_type: 'Bearer', expires_in: 900, user_id: user.id });
    const claims = decodeJwt(answer.body.access_token);
    expect(claims.sub).toBe(String(user.id));
    expect(claims.exp! - claims.iat!).toBe(900);

    const list = await invoke(listHandler, { path: '/users/', headers: { authorization: `Bearer ${answer.body.access_token}` } });
    expect(list.status).toBe(200);
  });

  it('answers the same 401 for a wrong password and an unknown user, after the same reads', async () => {
    const user = await signUp();
    resetDynamoUsage();
    const wrongPassword = await login({ username: user.username, password: 'nope' });
    const readsForWrongPassword = dynamoUsage().requests;
    resetDynamoUsage();
    const unknownUser = await login({ username: uniqueName('ghost'), password: 'nope' });
    const readsForUnknownUser = dynamoUsage().requests;

    expect(wrongPassword.status).toBe(401);
    expect(unknownUser.status).toBe(401);
    expect(unknownUser.body).toEqual(wrongPassword.body);
    expect(wrongPassword.body).toMatchObject({ code: 'invalid_credentials', status: 401 });
    expect(readsForUnknownUser).toBe(readsForWrongPassword);
  });

  it('answers 400 to a malformed body', async () => {
    expect((await login({ username: 'x' })).status).toBe(400);
    expect((await invoke(tokenHandler, { method: 'POST', path: '/auth/token/', body: '{' })).status).toBe(400);
  });
});

describe('token mode on other endpoints', () => {
  it('answers 401 with WWW-Authenticate without a token, or with a bad, foreign or tampered one', async () => {
    const user = await signUp();
    const { access_token: token } = (await login({ username: user.username, password: user.password })).body;
    const [header, payload] = token.split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ sub: '1', iss: 'chat-serverless', exp: 9_999_999_999 })).toString('base64url')}.${token.split('.')[2]}`;
    for (const authorization of [undefined, 'Bearer', 'Bearer abc.def.ghi', `Basic ${token}`, `Bearer ${forged}`, `Bearer ${header}.${payload}.`]) {
      const answer = await invoke(listHandler, { path: '/users/', headers: authorization ? { authorization } : {} });
      expect(answer.status, authorization).toBe(401);
      expect(answer.headers['WWW-Authenticate']).toBe('Bearer');
      expect(answer.body.code).toMatch(/^(unauthorized|invalid_token)$/);
    }
  });

  it('keeps sign-up open without a token', async () => {
    await signUp();
  });
});
