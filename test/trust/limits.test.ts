import { describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../lib/http/handler.ts';
import { dynamoUsage, resetDynamoUsage } from '../../lib/repository/client.ts';
import { findUserIdByUsername } from '../../lib/repository/users.ts';
import { MAX_ROOM_MEMBER_ENTRIES } from '../../lib/rooms/schemas.ts';
import { checkLambdaAnswer, httpEvent, invoke, lambdaContext, uniqueName, type HttpAnswer, type HttpCall } from '../support/lambda.ts';
import { concretePath, httpFunctions, importFunction } from './routes.ts';

/**
 * Every limit of the API in one place: each one answers a clear 4xx problem+json and writes nothing.
 * Field-by-field cases also live with each domain's tests; here the point is that none is missing.
 */
const routes = httpFunctions();
const handlers = new Map(await Promise.all(routes.map(async (route) => [route.file, (await importFunction(route.file)).handler] as const)));

const WRITES = /^(Put|Update|Delete|TransactWrite|BatchWrite)/;
const writes = () => Object.entries(dynamoUsage().byCommand).filter(([command]) => WRITES.test(command)).reduce((sum, [, n]) => sum + n, 0);

async function call(file: string, request: HttpCall): Promise<HttpAnswer> {
  return invoke(handlers.get(file)!, request);
}

/** Sends a raw event (e.g. base64) and returns the parsed answer. */
async function callRaw(file: string, request: HttpCall, edit: (event: ReturnType<typeof httpEvent>) => void): Promise<HttpAnswer> {
  const event = httpEvent(request);
  edit(event);
  const result = (await handlers.get(file)!(event, lambdaContext())) as { statusCode: number; headers?: Record<string, string>; body?: string };
  await checkLambdaAnswer(handlers.get(file), event, result);
  return { status: result.statusCode, headers: result.headers ?? {}, body: result.body ? JSON.parse(result.body) : undefined };
}

function expectRejected(answer: HttpAnswer, status: number, field?: string) {
  expect(answer.status).toBe(status);
  expect(answer.headers['Content-Type']).toBe('application/problem+json');
  expect(answer.body.status).toBe(status);
  if (field) expect(answer.body.errors, JSON.stringify(answer.body)).toHaveProperty([field]);
}

const seedId = async (n: number) => (await findUserIdByUsername(`user_${n}`))!;

/** The routes that take a body (those with a body schema in lib/routes.ts); the others never read it. */
const bodyRoutes = routes.filter((route) => route.takesBody);

describe('limits: body size (64 KiB)', () => {
  it.each(bodyRoutes.map((route) => [`${route.method} ${route.route}`, route] as const))('%s answers 413 to a body over 64 KiB, plain or base64, and writes nothing', async (_, route) => {
    const params = Object.fromEntries(route.pathParams.map((name) => [name, '1']));
    const request: HttpCall = { method: route.method, path: concretePath(route.route, params), pathParameters: params, query: { user_id: '1' }, body: { text: 'x'.repeat(MAX_BODY_BYTES) } };
    resetDynamoUsage();
    expectRejected(await call(route.file, request), 413);
    const encoded = Buffer.from(JSON.stringify({ text: 'y'.repeat(MAX_BODY_BYTES) })).toString('base64');
    expectRejected(await callRaw(route.file, request, (event) => Object.assign(event, { body: encoded, isBase64Encoded: true })), 413);
    expect(dynamoUsage().requests).toBe(0);
  });

  it('every route that takes a body is covered', () => {
    expect(bodyRoutes.length).toBeGreaterThanOrEqual(7);
  });

  it('an endpoint that takes no body ignores one, however big or broken (as DRF, which parses it only when read)', async () => {
    for (const body of ['{"broken": ', 'x'.repeat(MAX_BODY_BYTES + 1)]) {
      const answer = await call('functions/users-list.ts', { path: '/users/', query: { username: 'user_1' }, body });
      expect(answer.status).toBe(200);
      expect(answer.body.map((user: { username: string }) => user.username)).toEqual(['user_1']);
    }
  });

  it('accepts a body of exactly 64 KiB', async () => {
    const username = uniqueName('big');
    const base = JSON.stringify({ username, password: 'Passw0rd!', padding: '' });
    const body = JSON.stringify({ username, password: 'Passw0rd!', padding: 'p'.repeat(MAX_BODY_BYTES - Buffer.byteLength(base)) });
    expect(Buffer.byteLength(body)).toBe(MAX_BODY_BYTES);
    expect((await call('functions/users-create.ts', { method: 'POST', path: '/users/', body })).status).toBe(201);
  });
});

describe('limits: text lengths (DRF max_length, counted after trimming)', () => {
  const fields: [string, string, (value: string) => unknown, number][] = [
    ['functions/users-create.ts', 'username', (v) => ({ username: v, password: 'Passw0rd!' }), 150],
    ['functions/users-create.ts', 'password', (v) => ({ username: uniqueName('pw'), password: v }), 256],
    ['functions/users-create.ts', 'first_name', (v) => ({ username: uniqueName('fn'), password: 'Passw0rd!', first_name: v }), 150],
    ['functions/users-create.ts', 'last_name', (v) => ({ username: uniqueName('ln'), password: 'Passw0rd!', last_name: v }), 150],
    ['functions/users-create.ts', 'email', (v) => ({ username: uniqueName('em'), password: 'Passw0rd!', email: `${v.slice(12)}@example.com` }), 254],
    ['functions/users-create.ts', 'profile.status_msg', (v) => ({ username: uniqueName('sm'), password: 'Passw0rd!', profile: { status: 'Busy', status_msg: v } }), 255],
    ['functions/chatroom-create.ts', 'room_name', (v) => ({ room_name: v }), 255],
    ['functions/chatroom-create.ts', 'room_member.0.username', (v) => ({ room_name: uniqueName('r'), room_member: [{ username: v }] }), 150],
    ['functions/auth-token.ts', 'username', (v) => ({ username: v, password: 'x' }), 150],
    ['functions/auth-token.ts', 'password', (v) => ({ username: 'user_1', password: v }), 256],
    ['functions/send-group.ts', 'text', (v) => ({ from: 1, text: v }), 4000],
    ['functions/send-direct.ts', 'text', (v) => ({ from: 1, text: v }), 4000],
  ];

  it.each(fields)('%s: %s over %i characters is 400 naming the field, and nothing is written', async (file, field, body, max) => {
    const route = routes.find((r) => r.file === file)!;
    const params = Object.fromEntries(route.pathParams.map((name) => [name, '2']));
    resetDynamoUsage();
    const answer = await call(file, { method: route.method, path: concretePath(route.route, params), pathParameters: params, body: body('a'.repeat(max + 1)) });
    expectRejected(answer, 400, field);
    expect(writes()).toBe(0);
  });

  it('accepts each user field at exactly its limit', async () => {
    const answer = await call('functions/users-create.ts', {
      method: 'POST',
      path: '/users/',
      body: {
        username: `${uniqueName('max')}${'m'.repeat(150 - 12)}`,
        password: 'p'.repeat(256),
        first_name: 'f'.repeat(150),
        last_name: 'l'.repeat(150),
        email: `${'e'.repeat(254 - 12)}@example.com`,
        profile: { status: 'Online', status_msg: 's'.repeat(255) },
      },
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  });
});

describe('limits: list sizes', () => {
  it(`a room is created with at most ${MAX_ROOM_MEMBER_ENTRIES} listed members: one more is 400 before anything is read`, async () => {
    const room_member = Array.from({ length: MAX_ROOM_MEMBER_ENTRIES + 1 }, (_, i) => ({ username: `user_${(i % 15) + 1}` }));
    resetDynamoUsage();
    expectRejected(await call('functions/chatroom-create.ts', { method: 'POST', path: '/chat/chatroom/', body: { room_name: uniqueName('crowd'), room_member } }), 400, 'room_member');
    expect(dynamoUsage().requests).toBe(0);
  });
});

describe('limits: ids', () => {
  const badIds = ['abc', '-1', '0', '01', '1.5', '1e3', ' 1', '9007199254740992', '99999999999999999999', '١', '%31', ''];
  const withParams = routes.filter((route) => route.pathParams.length > 0);

  it.each(withParams.map((route) => [`${route.method} ${route.route}`, route] as const))('%s: a path id that is not a positive integer is 400, nothing written', async (_, route) => {
    resetDynamoUsage();
    for (const bad of badIds) {
      const params = Object.fromEntries(route.pathParams.map((name) => [name, bad]));
      const answer = await call(route.file, { method: route.method, path: concretePath(route.route, params), pathParameters: params, query: { user_id: '1' }, body: { from: 1, text: 'hi', room_name: uniqueName('r') } });
      expectRejected(answer, 400);
    }
    expect(writes()).toBe(0);
  });

  it('user_id that is not a positive integer is 400 on every route that reads it', async () => {
    const actorRoutes = routes.filter((route) => route.file.startsWith('functions/chatroom-') || route.file.startsWith('functions/messages-'));
    expect(actorRoutes.length).toBeGreaterThanOrEqual(6);
    resetDynamoUsage();
    for (const route of actorRoutes) {
      for (const bad of badIds.filter((id) => id !== '')) {
        const params = Object.fromEntries(route.pathParams.map((name) => [name, '1']));
        const answer = await call(route.file, { method: route.method, path: concretePath(route.route, params), pathParameters: params, query: { user_id: bad }, body: { room_name: uniqueName('r') } });
        expectRejected(answer, 400, 'user_id');
      }
    }
    expect(writes()).toBe(0);
  });
});

describe('limits: unknown query parameters are ignored (as DRF)', () => {
  it('answers exactly as without them', async () => {
    const user1 = await seedId(1);
    const hostile = JSON.parse('{"bogus": "1", "__proto__": "x", "constructor": "y", "user_id[]": "2"}') as Record<string, string>;
    const plain = await call('functions/users-list.ts', { path: '/users/', query: { username: 'user_1' } });
    const extra = await call('functions/users-list.ts', { path: '/users/', query: { username: 'user_1', ...hostile } });
    expect(extra.status).toBe(200);
    expect(extra.body).toEqual(plain.body);
    const rooms = await call('functions/chatroom-list.ts', { path: '/chat/chatroom/', query: { user_id: String(user1) } });
    const roomsExtra = await call('functions/chatroom-list.ts', { path: '/chat/chatroom/', query: { user_id: String(user1), ...hostile } });
    expect(roomsExtra.body).toEqual(rooms.body);
  });
});
