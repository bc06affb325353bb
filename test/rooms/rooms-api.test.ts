import { UpdateCommand } from '../../lib/aws/dynamodb.ts';
import { describe, expect, it } from 'vitest';
import { handler as createHandler } from '../../functions/chatroom-create.ts';
import { handler as getHandler } from '../../functions/chatroom-get.ts';
import { handler as joinHandler } from '../../functions/chatroom-join.ts';
import { handler as leaveHandler } from '../../functions/chatroom-leave.ts';
import { handler as listHandler } from '../../functions/chatroom-list.ts';
import { handler as membersHandler } from '../../functions/chatroom-members.ts';
import { ddb, dynamoUsage, resetDynamoUsage, tables } from '../../lib/repository/client.ts';
import { keys } from '../../lib/repository/keys.ts';
import { getRoomState, roomMemberships } from '../../lib/repository/rooms.ts';
import { findOrCreateDirectRoom, getMembership } from '../../lib/rooms/service.ts';
import { invoke, uniqueName } from '../support/lambda.ts';
import { newUser, newUsers } from './fixtures.ts';

type User = { id: number; username: string };

const roomPath = (id: number | string) => ({ path: `/chat/chatroom/${id}/`, pathParameters: { id: String(id) } });
const userQuery = (userId?: number | string) => (userId === undefined ? {} : { query: { user_id: String(userId) } });

const create = (body: unknown, userId?: number | string) =>
  invoke(createHandler, { method: 'POST', path: '/chat/chatroom/', body, ...userQuery(userId) });
const list = (userId?: number | string) => invoke(listHandler, { path: '/chat/chatroom/', ...userQuery(userId) });
const show = (roomId: number | string, userId?: number | string) => invoke(getHandler, { ...roomPath(roomId), ...userQuery(userId) });
const join = (roomId: number | string, userId?: number | string) => invoke(joinHandler, { method: 'PUT', ...roomPath(roomId), ...userQuery(userId) });
const leave = (roomId: number | string, userId?: number | string) =>
  invoke(leaveHandler, { method: 'DELETE', ...roomPath(roomId), ...userQuery(userId) });
const members = (roomId: number | string, query: Record<string, string>) =>
  invoke(membersHandler, { path: `/chat/chatroom/${roomId}/members/`, pathParameters: { id: String(roomId) }, query });

async function createRoom(memberList: User[], creator?: User) {
  const room_name = uniqueName('room');
  const answer = await create({ room_name, room_member: memberList.map(({ username }) => ({ username })) }, creator?.id);
  expect(answer.status).toBe(200);
  return answer.body.data as { id: number; room_name: string; room_member: { username: string }[] };
}

const byId = (users: User[]) => [...users].sort((a, b) => a.id - b.id).map(({ username }) => ({ username }));

function expectProblem(answer: { status: number; headers: Record<string, string>; body: any }, status: number, code?: string) {
  expect(answer.status).toBe(status);
  expect(answer.headers['Content-Type']).toBe('application/problem+json');
  expect(answer.body).toMatchObject({ status, ...(code ? { code } : {}) });
}

async function anonymousNames(): Promise<string[]> {
  return (await list()).body.data.map((room: { room_name: string }) => room.room_name);
}

describe('POST /chat/chatroom/', () => {
  it('creates a group room with the listed members and the acting user, answering the seed envelope', async () => {
    const [creator, ...others] = await newUsers(4, 'create');
    const room_name = uniqueName('family');
    const answer = await create({ room_name, room_member: others.map(({ username }) => ({ username })) }, creator!.id);

    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      status: 200,
      message: 'HTTP_200_OK',
      data: { id: expect.any(Number), room_name, room_member: byId([creator!, ...others]), member_count: 4, is_direct: false, direct_peer: null },
    });
    const { roster, room } = await getRoomState(answer.body.data.id);
    expect(room).toEqual({ id: answer.body.data.id, room_name, is_direct: false, lastSequence: 0 });
    expect(roster?.memberCount).toBe(4);
    const membership = await getMembership(answer.body.data.id, others[0]!.id);
    expect(membership).toMatchObject({ lastSeenSequence: 0, ownAfterWatermark: [] });
  });

  it('creates a room with no members (the seed allows it), trimming the name, and lists it', async () => {
    const name = uniqueName('empty');
    const answer = await create({ room_name: `  ${name}  ` });
    expect(answer.status).toBe(200);
    expect(answer.body.data).toEqual({ id: expect.any(Number), room_name: name, room_member: [], member_count: 0, is_direct: false, direct_peer: null });
    expect(await anonymousNames()).toContain(name);
  });

  it('ignores repeated usernames and a creator who is also listed', async () => {
    const [creator, other] = await newUsers(2, 'dupes');
    const room = await createRoom([creator!, other!, other!], creator);
    expect(room.room_member).toEqual(byId([creator!, other!]));
    expect((await getRoomState(room.id)).roster?.memberCount).toBe(2);
  });

  it('refuses a taken name with 400 on room_name', async () => {
    const room = await createRoom([]);
    const answer = await create({ room_name: room.room_name });
    expectProblem(answer, 400, 'validation_failed');
    expect(answer.body.errors).toHaveProperty('room_name');
  });

  it('refuses unknown usernames with a 400 naming them, and creates nothing', async () => {
    const known = await newUser('known');
    const room_name = uniqueName('ghosts');
    resetDynamoUsage();
    const answer = await create({ room_name, room_member: [{ username: known.username }, { username: 'nobody_zz1' }, { username: 'nobody_zz2' }] });
    expectProblem(answer, 400, 'validation_failed');
    expect(dynamoUsage()).toMatchObject({ byCommand: { BatchGetItemCommand: 1 }, writeCapacity: 0 });
    expect(answer.body.errors.room_member[0]).toContain('nobody_zz1');
    expect(answer.body.errors.room_member[0]).toContain('nobody_zz2');
    expect(answer.body.errors.room_member[0]).not.toContain(known.username);
    expect(await anonymousNames()).not.toContain(room_name);
    expect((await list(known.id)).body.data).toEqual([]);
    expect((await create({ room_name })).status).toBe(200);
  });

  it('answers 404 to an unknown acting user and creates nothing', async () => {
    const room_name = uniqueName('orphan');
    expectProblem(await create({ room_name }, 987_654_321), 404, 'not_found');
    expect(await anonymousNames()).not.toContain(room_name);
  });

  it('accepts 47 listed members and refuses 48', async () => {
    const many = await newUsers(48, 'crowd');
    const refusedName = uniqueName('crowd');
    const refused = await create({ room_name: refusedName, room_member: many.map(({ username }) => ({ username })) });
    expectProblem(refused, 400, 'validation_failed');
    expect(refused.body.errors).toHaveProperty('room_member');
    expect(await anonymousNames()).not.toContain(refusedName);

    const [creator, ...rest] = many;
    const room = await createRoom(rest, creator);
    expect(room.room_member).toHaveLength(48);
    expect((await getRoomState(room.id)).roster?.memberCount).toBe(48);
  });

  const named = () => uniqueName('bad');
  it.each([
    ['malformed JSON', '{"room_name": ', 'malformed_json'],
    ['no body', undefined, 'validation_failed'],
    ['a JSON array', [{ room_name: named() }], 'validation_failed'],
    ['a missing room_name', { room_member: [] }, 'validation_failed'],
    ['a blank room_name', { room_name: '   ' }, 'validation_failed'],
    ['a room_name over 255 characters', { room_name: 'r'.repeat(256) }, 'validation_failed'],
    ['a room_name of the wrong type', { room_name: { name: 'x' } }, 'validation_failed'],
    ['room_member not a list', { room_name: named(), room_member: 'user_1' }, 'validation_failed'],
    ['a room_member entry without username', { room_name: named(), room_member: [{ name: 'user_1' }] }, 'validation_failed'],
    ['a room_member entry that is a string', { room_name: named(), room_member: ['user_1'] }, 'validation_failed'],
    ['a room_member username over 150 characters', { room_name: named(), room_member: [{ username: 'u'.repeat(151) }] }, 'validation_failed'],
  ])('answers 400 to %s and creates nothing', async (_case, body, code) => {
    resetDynamoUsage();
    expectProblem(await create(body), 400, code);
    expect(dynamoUsage().requests).toBe(0);
  });

  it.each(['abc', '-1', '0', '99999999999999999999'])('answers 400 to user_id=%s and creates nothing', async (userId) => {
    const room_name = uniqueName('baduser');
    resetDynamoUsage();
    const answer = await create({ room_name }, userId);
    expectProblem(answer, 400, 'validation_failed');
    expect(dynamoUsage().requests).toBe(0);
    expect(answer.body.errors).toHaveProperty('user_id');
    expect(await anonymousNames()).not.toContain(room_name);
  });
});

describe('GET /chat/chatroom/', () => {
  it('anonymous: group rooms only, id and name, no members', async () => {
    const [a, b] = await newUsers(2, 'lister');
    const group = await createRoom([a!, b!]);
    const direct = await findOrCreateDirectRoom(a!, b!);
    const answer = await list();
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ status: 200, message: 'HTTP_200_OK' });
    expect(answer.body.data).toContainEqual({ id: group.id, room_name: group.room_name });
    expect(answer.body.data.some((room: { id: number }) => room.id === direct.id)).toBe(false);
    for (const room of answer.body.data) expect(Object.keys(room).sort()).toEqual(['id', 'room_name']);
  });

  it("with user_id: the user's current group and direct rooms with their members", async () => {
    const [me, friend, other] = await newUsers(3, 'mine');
    const first = await createRoom([friend!], me);
    const second = await createRoom([other!], me);
    const left = await createRoom([friend!], me);
    const notMine = await createRoom([friend!, other!]);
    const direct = await findOrCreateDirectRoom(me!, other!);
    expect((await leave(left.id, me!.id)).status).toBe(204);

    const answer = await list(me!.id);
    expect(answer.status).toBe(200);
    expect(answer.body.data).toEqual([
      { id: first.id, room_name: first.room_name, room_member: byId([me!, friend!]), member_count: 2, is_direct: false, direct_peer: null, unread_count: 0 },
      { id: second.id, room_name: second.room_name, room_member: byId([me!, other!]), member_count: 2, is_direct: false, direct_peer: null, unread_count: 0 },
      { id: direct.id, room_name: direct.room_name, room_member: byId([me!, other!]), member_count: 2, is_direct: true, direct_peer: other!.id, unread_count: 0 },
    ]);
    expect(answer.body.data.some((room: { id: number }) => room.id === notMine.id)).toBe(false);
  });

  it('with user_id of a user in no room: an empty list', async () => {
    const loner = await newUser('loner');
    expect((await list(loner.id)).body).toEqual({ status: 200, message: 'HTTP_200_OK', data: [] });
  });

  it('answers 404 to an unknown user and 400 to a malformed user_id', async () => {
    expectProblem(await list(987_654_321), 404, 'not_found');
    for (const bad of ['abc', '-1', '0', '1.5', '99999999999999999999']) {
      const answer = await list(bad);
      expectProblem(answer, 400, 'validation_failed');
      expect(answer.body.errors).toHaveProperty('user_id');
    }
  });
});

describe('GET /chat/chatroom/:id/', () => {
  it('anonymous: a group room as id and name; a direct room is 404', async () => {
    const [a, b] = await newUsers(2, 'show');
    const group = await createRoom([a!]);
    expect((await show(group.id)).body).toEqual({ status: 200, message: 'HTTP_200_OK', data: { id: group.id, room_name: group.room_name } });
    const direct = await findOrCreateDirectRoom(a!, b!);
    expectProblem(await show(direct.id), 404, 'not_found');
  });

  it('with user_id: any room the user belongs to, direct rooms included, with members', async () => {
    const [a, b, c] = await newUsers(3, 'show');
    const group = await createRoom([b!, c!], a);
    expect((await show(group.id, b!.id)).body.data).toEqual({ id: group.id, room_name: group.room_name, room_member: byId([a!, b!, c!]), member_count: 3, is_direct: false, direct_peer: null });
    const direct = await findOrCreateDirectRoom(a!, b!);
    expect((await show(direct.id, a!.id)).body.data).toEqual({ id: direct.id, room_name: direct.room_name, room_member: byId([a!, b!]), member_count: 2, is_direct: true, direct_peer: b!.id });
    expect((await show(direct.id, b!.id)).body.data).toMatchObject({ is_direct: true, direct_peer: a!.id });
  });

  it('answers 404 to non-members, unknown users and unknown rooms alike', async () => {
    const [a, b, outsider] = await newUsers(3, 'show');
    const group = await createRoom([a!]);
    const direct = await findOrCreateDirectRoom(a!, b!);
    expectProblem(await show(group.id, outsider!.id), 404, 'not_found');
    expectProblem(await show(direct.id, outsider!.id), 404, 'not_found');
    expectProblem(await show(group.id, 987_654_321), 404, 'not_found');
    expectProblem(await show(987_654_321_000), 404, 'not_found');
    expectProblem(await show(987_654_321_000, a!.id), 404, 'not_found');
  });

  it.each(['abc', '-1', '0', '1.5', '99999999999999999999'])('answers 400 to the room id %s', async (id) => {
    const answer = await show(id);
    expectProblem(answer, 400, 'validation_failed');
    expect(answer.body.errors).toHaveProperty('id');
  });
});

describe('PUT /chat/chatroom/:id/ (join)', () => {
  it('joins a group room (200 without data), starting the read watermark at the room’s last sequence', async () => {
    const [a, joiner] = await newUsers(2, 'join');
    const room = await createRoom([a!]);
    await ddb.send(
      new UpdateCommand({ TableName: tables.chat, Key: keys.room(room.id), UpdateExpression: 'SET lastSequence = :seven', ExpressionAttributeValues: { ':seven': 7 } }),
    );
    const answer = await join(room.id, joiner!.id);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ status: 200, message: 'HTTP_200_OK' });
    expect(await getMembership(room.id, joiner!.id)).toMatchObject({ userId: joiner!.id, lastSeenSequence: 7, ownAfterWatermark: [] });
    expect((await getRoomState(room.id)).roster).toMatchObject({ memberCount: 2, listedIds: [a!.id, joiner!.id].sort((x, y) => x - y) });
    expect((await list(joiner!.id)).body.data.map((r: { id: number }) => r.id)).toContain(room.id);
  });

  it('answers 400 to joining twice and to joining a direct room, writing nothing', async () => {
    const [a, b, c] = await newUsers(3, 'join');
    const room = await createRoom([a!]);
    const twice = await join(room.id, a!.id);
    expectProblem(twice, 400, 'already_member');
    const direct = await findOrCreateDirectRoom(a!, b!);
    expectProblem(await join(direct.id, c!.id), 400, 'direct_room');
    expectProblem(await join(direct.id, a!.id), 400);
    expect((await getRoomState(room.id)).roster?.memberCount).toBe(1);
    expect((await getRoomState(direct.id)).roster?.listedIds).toEqual([a!.id, b!.id].sort((x, y) => x - y));
    expect(await getMembership(direct.id, c!.id)).toBeUndefined();
    expect((await roomMemberships(direct.id, { withHistory: true })).history).toHaveLength(2);
  });

  it('answers 404 to an unknown room or user, 400 to a missing or malformed user_id or room id', async () => {
    const a = await newUser('join');
    const room = await createRoom([]);
    expectProblem(await join(987_654_321_000, a.id), 404, 'not_found');
    expectProblem(await join(room.id, 987_654_321), 404, 'not_found');
    const missing = await join(room.id);
    expectProblem(missing, 400, 'validation_failed');
    expect(missing.body.errors).toHaveProperty('user_id');
    for (const bad of ['abc', '-1', '0', '99999999999999999999']) {
      expect((await join(room.id, bad)).status).toBe(400);
      expect((await join(bad, a.id)).status).toBe(400);
    }
    expect((await getRoomState(room.id)).roster).toMatchObject({ memberCount: 0, listedIds: [] });
  });
});

describe('DELETE /chat/chatroom/:id/ (leave)', () => {
  it('leaves with 204; the room survives while a member remains and is deleted, name freed, after the last leave', async () => {
    const [a, b] = await newUsers(2, 'leave');
    const room = await createRoom([a!, b!]);

    const first = await leave(room.id, a!.id);
    expect(first.status).toBe(204);
    expect(first.body).toBeUndefined();
    expect((await show(room.id)).status).toBe(200);
    expect(await getMembership(room.id, a!.id)).toBeUndefined();
    expect((await getRoomState(room.id)).roster).toMatchObject({ memberCount: 1, listedIds: [b!.id] });

    expect((await leave(room.id, b!.id)).status).toBe(204);
    expectProblem(await show(room.id), 404, 'not_found');
    expect(await getRoomState(room.id)).toEqual({ userExists: false, memberships: new Map() });
    expect(await anonymousNames()).not.toContain(room.room_name);
    // History outlives the room (orphaned by design); memberships do not.
    const left = await roomMemberships(room.id, { withHistory: true });
    expect(left.members).toEqual([]);
    expect(left.history.map((e) => e.event)).toEqual(['joined', 'joined', 'left', 'left']);
    expect((await create({ room_name: room.room_name })).status).toBe(200);
  });

  it('answers 400 to a non-member (seed), 404 to an unknown room or user, 400 to a missing user_id', async () => {
    const [a, outsider] = await newUsers(2, 'leave');
    const room = await createRoom([a!]);
    expectProblem(await leave(room.id, outsider!.id), 400, 'not_a_member');
    expectProblem(await leave(987_654_321_000, a!.id), 404, 'not_found');
    expectProblem(await leave(room.id, 987_654_321), 404, 'not_found');
    expectProblem(await leave(room.id), 400, 'validation_failed');
    for (const bad of ['abc', '-1', '0', '99999999999999999999']) {
      expect((await leave(room.id, bad)).status).toBe(400);
      expect((await leave(bad, a!.id)).status).toBe(400);
    }
    expect((await getRoomState(room.id)).roster).toMatchObject({ memberCount: 1, listedIds: [a!.id] });
  });

  it('a member who left can join again', async () => {
    const [a, b] = await newUsers(2, 'rejoin');
    const room = await createRoom([a!, b!]);
    expect((await leave(room.id, a!.id)).status).toBe(204);
    expect((await join(room.id, a!.id)).status).toBe(200);
    expect((await getRoomState(room.id)).roster?.memberCount).toBe(2);
  });

  it('leaving a direct room keeps the room for the pair', async () => {
    const [a, b] = await newUsers(2, 'leavedm');
    const direct = await findOrCreateDirectRoom(a!, b!);
    expect((await leave(direct.id, a!.id)).status).toBe(204);
    expect((await leave(direct.id, b!.id)).status).toBe(204);
    expect((await getRoomState(direct.id)).room).toEqual(direct);
    expectProblem(await leave(direct.id, a!.id), 400, 'not_a_member');
    expectProblem(await show(direct.id, a!.id), 404);
  });
});

describe('GET /chat/chatroom/:id/members/', () => {
  it('shows current members with joined_at, and with include=past every join and leave in time order', async () => {
    const [a, b, c] = await newUsers(3, 'history');
    const room = await createRoom([a!, b!]);
    expect((await join(room.id, c!.id)).status).toBe(200);
    expect((await leave(room.id, b!.id)).status).toBe(204);
    expect((await join(room.id, b!.id)).status).toBe(200);
    expect((await leave(room.id, c!.id)).status).toBe(204);

    const current = await members(room.id, { user_id: String(a!.id) });
    expect(current.status).toBe(200);
    expect(current.body).toEqual({
      status: 200,
      message: 'HTTP_200_OK',
      data: {
        id: room.id,
        member_count: 2,
        members: [a!, b!].sort((x, y) => x.id - y.id).map((u) => ({ id: u.id, username: u.username, joined_at: expect.any(String) })),
        page: { limit: 50, next: null },
      },
    });

    const past = await members(room.id, { user_id: String(a!.id), include: 'past' });
    const history = past.body.data.history as { id: number; username: string; event: string; at: string }[];
    expect(history.slice(2)).toEqual([
      { id: c!.id, username: c!.username, event: 'joined', at: expect.any(String) },
      { id: b!.id, username: b!.username, event: 'left', at: expect.any(String) },
      { id: b!.id, username: b!.username, event: 'joined', at: expect.any(String) },
      { id: c!.id, username: c!.username, event: 'left', at: expect.any(String) },
    ]);
    expect(history.slice(0, 2).map((e) => [e.id, e.event]).sort()).toEqual([[a!.id, 'joined'], [b!.id, 'joined']].sort());
    expect(history.map((e) => e.at)).toEqual(history.map((e) => e.at).sort());
    const bNow = past.body.data.members.find((m: { id: number }) => m.id === b!.id);
    expect(bNow.joined_at).toBe(history[4]!.at);
  });

  it('answers 404 to non-members (a past member included) and unknown rooms, 400 to bad input', async () => {
    const [a, b, outsider] = await newUsers(3, 'history');
    const room = await createRoom([a!, b!]);
    expect((await leave(room.id, b!.id)).status).toBe(204);
    expectProblem(await members(room.id, { user_id: String(outsider!.id) }), 404, 'not_found');
    expectProblem(await members(room.id, { user_id: String(b!.id), include: 'past' }), 404, 'not_found');
    expectProblem(await members(987_654_321_000, { user_id: String(a!.id) }), 404, 'not_found');
    expectProblem(await members(room.id, {}), 400, 'validation_failed');
    expectProblem(await members(room.id, { user_id: 'abc' }), 400, 'validation_failed');
    const include = await members(room.id, { user_id: String(a!.id), include: 'everything' });
    expectProblem(include, 400, 'validation_failed');
    expect(include.body.errors).toHaveProperty('include');
    expectProblem(await members('abc', { user_id: String(a!.id) }), 400, 'validation_failed');
  });
});
