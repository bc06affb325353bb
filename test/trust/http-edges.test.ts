import { describe, expect, it } from 'vitest';
import { handler as defaultRoute } from '../../functions/default-route.ts';
import { handler as chatroomCreate } from '../../functions/chatroom-create.ts';
import { handler as usersList } from '../../functions/users-list.ts';
import { httpApiCors } from '../../lib/routes.ts';
import { http } from '../support/http.ts';
import { invoke, uniqueName, type HttpAnswer } from '../support/lambda.ts';

/**
 * The edges of the HTTP API, over real HTTP through serverless-offline (as on API Gateway) and in
 * process: unknown paths and methods, media types, HEAD, bodiless answers, CORS, DRF's wording.
 * Every answer is also checked against the OpenAPI document (test/support/contract.ts).
 */
function expectProblem(answer: HttpAnswer, status: number, code: string) {
  expect(answer.status).toBe(status);
  expect(answer.headers['content-type'] ?? answer.headers['Content-Type']).toBe('application/problem+json');
  expect(answer.body).toMatchObject({ status, code });
}

describe('an unknown path or method (the $default route)', () => {
  it('an unknown path is 404 route_not_found, whatever the method, over HTTP', async () => {
    for (const [method, path] of [
      ['GET', '/nope/'],
      ['POST', '/chat/'],
      ['GET', '/users/1/extra/'],
      ['DELETE', '/chat/messages/1/2/'],
    ] as const) {
      expectProblem(await http(method, path), 404, 'route_not_found');
    }
  });

  it('a known path with another method is 405 method_not_allowed, with Allow listing its methods, over HTTP', async () => {
    for (const [method, path, allow] of [
      ['POST', '/openapi.json', 'GET, HEAD'],
      ['DELETE', '/chat/messages/unseen/', 'GET, HEAD'],
      ['PATCH', '/chat/chatroom/', 'GET, HEAD, POST'],
      ['POST', '/users/7/', 'GET, HEAD, PUT, PATCH, DELETE'],
      ['GET', '/chat/group/1/', 'POST'],
      ['PUT', '/chat/task_state/a487117c-d31b-45b0-ae3c-28126b0f3ec2', 'GET, HEAD'],
    ] as const) {
      const answer = await http(method, path);
      expectProblem(answer, 405, 'method_not_allowed');
      expect(answer.headers.allow, `${method} ${path}`).toBe(allow);
    }
  });

  it('answers the same in process, and never looks at a token', async () => {
    expectProblem(await invoke(defaultRoute, { method: 'GET', path: '/nope' }), 404, 'route_not_found');
    const answer = await invoke(defaultRoute, { method: 'PUT', path: '/users/', headers: { authorization: 'Bearer not-a-token' } });
    expectProblem(answer, 405, 'method_not_allowed');
    expect(answer.headers.Allow).toBe('GET, HEAD, POST');
  });
});

describe('request bodies are JSON', () => {
  it('a body of another media type is 415, and creates nothing', async () => {
    const roomName = uniqueName('media');
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml']) {
      const answer = await http('POST', '/chat/chatroom/', { headers: { 'Content-Type': contentType }, body: JSON.stringify({ room_name: roomName }) });
      expectProblem(answer, 415, 'unsupported_media_type');
    }
    const rooms = (await http('GET', '/chat/chatroom/')).body.data as { room_name: string }[];
    expect(rooms.map((room) => room.room_name)).not.toContain(roomName);
  });

  // Rooms, not users: a user write would invalidate the user list cache other test files count on.
  it('application/json with a charset, a +json type, and no Content-Type at all are JSON', async () => {
    for (const contentType of ['application/json; charset=utf-8', 'application/merge-patch+json', undefined]) {
      const answer = await invoke(chatroomCreate, { method: 'POST', path: '/chat/chatroom/', headers: contentType ? { 'content-type': contentType } : {}, body: { room_name: uniqueName('media') } });
      expect(answer.status, String(contentType)).toBe(200);
    }
    // A bodiless request's Content-Type is nobody's business (DRF reads a body only when there is one).
    expect((await invoke(usersList, { path: '/users/', headers: { 'content-type': 'text/plain' }, query: { username: 'user_1' } })).status).toBe(200);
  });
});

describe('HEAD and bodiless answers', () => {
  it('HEAD on a GET route answers as GET, without a body, over HTTP', async () => {
    const get = await http('GET', '/users/?username=user_1');
    const head = await http('HEAD', '/users/?username=user_1');
    expect(head.status).toBe(200);
    expect(head.body).toBeUndefined();
    expect(head.headers.etag).toBe(get.headers.etag);
    expect(head.headers['content-type']).toBe('application/json; charset=utf-8');
    const missing = await http('HEAD', '/users/987654321/');
    expect(missing.status).toBe(404);
    expect(missing.body).toBeUndefined();
  });

  it('304 and 204 carry no Content-Type (and no body), over HTTP', async () => {
    const first = await http('GET', '/users/?username=user_2');
    const notModified = await http('GET', '/users/?username=user_2', { headers: { 'If-None-Match': first.headers.etag! } });
    expect(notModified.status).toBe(304);
    expect(notModified.headers['content-type']).toBeUndefined();
    const [me] = (await http('GET', '/users/?username=user_1')).body as { id: number }[];
    const room = await http('POST', `/chat/chatroom/?user_id=${me!.id}`, { body: { room_name: uniqueName('left') } });
    const left = await http('DELETE', `/chat/chatroom/${room.body.data.id}/?user_id=${me!.id}`);
    expect(left.status).toBe(204);
    expect(left.headers['content-type']).toBeUndefined();
    expect(left.body).toBeUndefined();
  });
});

describe('CORS (serverless-offline emulates provider.httpApi.cors)', () => {
  const cors = httpApiCors();

  it('a preflight allows Idempotency-Key, If-None-Match and Authorization', async () => {
    const response = await fetch(new URL('/chat/group/1/', process.env.CHAT_HTTP_URL), {
      method: 'OPTIONS',
      headers: { Origin: 'http://localhost:8080', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,idempotency-key,authorization' },
    });
    await response.arrayBuffer();
    expect(response.status).toBeLessThan(300);
    expect(response.headers.get('access-control-allow-origin')).toMatch(/^(\*|http:\/\/localhost:8080)$/);
    const allowed = (response.headers.get('access-control-allow-headers') ?? '').toLowerCase();
    for (const header of ['idempotency-key', 'if-none-match', 'authorization', 'content-type']) expect(allowed).toContain(header);
    expect((response.headers.get('access-control-allow-methods') ?? '').toUpperCase()).toContain('POST');
  });

  it('a cross-origin answer exposes ETag, Retry-After, RateLimit-* and Idempotent-Replayed to the page', async () => {
    const answer = await http('GET', '/users/?username=user_1', { headers: { Origin: 'http://localhost:8080' } });
    const exposed = (answer.headers['access-control-expose-headers'] ?? '').toLowerCase().split(',').map((name) => name.trim());
    for (const header of ['etag', 'retry-after', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'idempotent-replayed']) expect(exposed).toContain(header);
    // serverless-offline writes the list twice (hapi's route CORS and its own); API Gateway once.
    expect([...new Set(exposed)].sort()).toEqual(cors.exposedResponseHeaders.map((name) => name.toLowerCase()).sort());
  });
});

describe("validation errors read like DRF's", () => {
  it('a missing field is "This field is required.", a null one "This field may not be null."', async () => {
    const missing = await http('POST', '/users/', { body: {} });
    expectProblem(missing, 400, 'validation_failed');
    expect(missing.body.errors).toEqual({ username: ['This field is required.'], password: ['This field is required.'] });
    const nulls = await http('POST', '/users/', { body: { username: uniqueName('n'), password: 'Passw0rd!', first_name: null, profile: { status: null } } });
    expect(nulls.body.errors).toEqual({ first_name: ['This field may not be null.'], 'profile.status': ['This field may not be null.'] });
    const notObject = await http('POST', '/users/', { body: ['a'] });
    expect(notObject.body.errors).toEqual({ body: ['Invalid data. Expected a dictionary, but got list.'] });
  });

  it('says what was wrong where: "The headers are not valid."', async () => {
    const answer = await http('POST', '/chat/group/1/', { headers: { 'Idempotency-Key': 'not valid!' }, body: { from: 1, text: 'hi' } });
    expectProblem(answer, 400, 'validation_failed');
    expect(answer.body.detail).toBe('The headers are not valid.');
  });
});
