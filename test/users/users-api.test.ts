import { describe, expect, it } from 'vitest';
import { handler as createHandler } from '../../functions/users-create.ts';
import { handler as deleteHandler } from '../../functions/user-delete.ts';
import { handler as getHandler } from '../../functions/user-get.ts';
import { handler as patchHandler } from '../../functions/user-patch.ts';
import { handler as replaceHandler } from '../../functions/user-replace.ts';
import { handler as listHandler } from '../../functions/users-list.ts';
import { getUser as getStoredUser } from '../../lib/repository/users.ts';
import { verifyPassword } from '../../lib/users/password.ts';
import { invoke, uniqueName } from '../support/lambda.ts';

const seedBody = (username: string) => ({
  profile: { status: 'Online', status_msg: 5 },
  username,
  password: 'Password!',
  first_name: '',
  last_name: '',
  email: '',
});

async function createUser(username = uniqueName('user')) {
  const answer = await invoke(createHandler, { method: 'POST', path: '/users/', body: seedBody(username) });
  expect(answer.status).toBe(201);
  return answer.body as { id: number; username: string };
}

const idPath = (id: number | string) => ({ path: `/users/${id}/`, pathParameters: { id: String(id) } });

describe('POST /users/', () => {
  it('creates a user from the seed body, coercing the numeric status_msg to text, and never returns the password', async () => {
    const username = uniqueName('seed');
    const answer = await invoke(createHandler, { method: 'POST', path: '/users/', body: seedBody(username) });

    expect(answer.status).toBe(201);
    expect(answer.body).toEqual({
      id: expect.any(Number),
      username,
      first_name: '',
      last_name: '',
      email: '',
      profile: { status: 'Online', status_msg: '5' },
      date_joined: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      is_active: true,
    });
    expect(JSON.stringify(answer.body)).not.toMatch(/password|Password!|scrypt/i);

    const stored = await getStoredUser(answer.body.id);
    expect(stored?.passwordHash).toMatch(/^scrypt\$/);
    expect(await verifyPassword('Password!', stored!.passwordHash)).toBe(true);
  });

  it('gives every user its own increasing integer id', async () => {
    const first = await createUser();
    const second = await createUser();
    expect(Number.isInteger(first.id)).toBe(true);
    expect(second.id).toBeGreaterThan(first.id);
  });

  it('refuses a duplicate username with 400 naming the field', async () => {
    const { username } = await createUser();
    const answer = await invoke(createHandler, { method: 'POST', path: '/users/', body: seedBody(username) });
    expect(answer.status).toBe(400);
    expect(answer.headers['Content-Type']).toBe('application/problem+json');
    expect(answer.body).toMatchObject({ status: 400, code: 'validation_failed', errors: { username: [expect.any(String)] } });
  });

  it('lets exactly one of many concurrent creates of the same username win', async () => {
    const username = uniqueName('race');
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => invoke(createHandler, { method: 'POST', path: '/users/', body: seedBody(username) })),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 400)).toHaveLength(7);
    const list = await invoke(listHandler, { path: '/users/', query: { username } });
    expect(list.body).toHaveLength(1);
  });

  it.each([
    ['malformed JSON', '{"username": "x",', 'malformed_json'],
    ['a JSON array', [], 'validation_failed'],
    ['no body', undefined, 'validation_failed'],
    ['a missing password', { username: 'nopass_x' }, 'validation_failed'],
    ['a status outside Online/Busy/Offline', { ...seedBody('badstatus_x'), profile: { status: 'Away' } }, 'validation_failed'],
    ['a boolean status_msg', { ...seedBody('boolmsg_x'), profile: { status: 'Busy', status_msg: true } }, 'validation_failed'],
    ['a username with spaces', seedBody('has space'), 'validation_failed'],
    ['a blank username', seedBody('   '), 'validation_failed'],
    ['an oversize username', seedBody('u'.repeat(151)), 'validation_failed'],
    ['an oversize status_msg', { ...seedBody('longmsg_x'), profile: { status: 'Busy', status_msg: 'm'.repeat(256) } }, 'validation_failed'],
    ['an invalid email', { ...seedBody('bademail_x'), email: 'not-an-email' }, 'validation_failed'],
    ['a username of the wrong type', { ...seedBody('x'), username: { name: 'x' } }, 'validation_failed'],
  ])('answers 400 to %s and stores nothing', async (_case, body, code) => {
    const before = await invoke(listHandler, { path: '/users/' });
    const answer = await invoke(createHandler, { method: 'POST', path: '/users/', body });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ status: 400, code, title: 'Bad Request', type: expect.stringContaining(code) });
    const after = await invoke(listHandler, { path: '/users/' });
    expect(after.body.length).toBe(before.body.length);
  });

  it('answers 413 to a body over 64 KiB', async () => {
    const answer = await invoke(createHandler, {
      method: 'POST',
      path: '/users/',
      body: { ...seedBody(uniqueName('big')), first_name: 'x'.repeat(70_000) },
    });
    expect(answer.status).toBe(413);
    expect(answer.body.code).toBe('payload_too_large');
  });
});

describe('GET /users/:id/', () => {
  it('returns one user', async () => {
    const user = await createUser();
    const answer = await invoke(getHandler, idPath(user.id));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ id: user.id, username: user.username, profile: { status: 'Online' } });
  });

  it('answers 404 to an unknown id', async () => {
    const answer = await invoke(getHandler, idPath(987_654_321));
    expect(answer.status).toBe(404);
    expect(answer.body.code).toBe('not_found');
  });

  it.each(['abc', '-1', '0', '1.5', '99999999999999999999', '01'])('answers 400 to the id %s', async (id) => {
    const answer = await invoke(getHandler, idPath(id));
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toHaveProperty('id');
  });
});

describe('PUT and PATCH /users/:id/', () => {
  it('PATCH changes only the fields given, including nested profile fields', async () => {
    const user = await createUser();
    const answer = await invoke(patchHandler, { method: 'PATCH', ...idPath(user.id), body: { profile: { status: 'Busy' }, last_name: 'Rossi' } });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ username: user.username, last_name: 'Rossi', profile: { status: 'Busy', status_msg: '5' } });
  });

  it('PUT requires the username, renames atomically and frees the old name', async () => {
    const user = await createUser();
    const missing = await invoke(replaceHandler, { method: 'PUT', ...idPath(user.id), body: { first_name: 'A' } });
    expect(missing.status).toBe(400);
    expect(missing.body.errors).toHaveProperty('username');

    const renamed = uniqueName('renamed');
    const answer = await invoke(replaceHandler, { method: 'PUT', ...idPath(user.id), body: { username: renamed, first_name: 'A' } });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ id: user.id, username: renamed, first_name: 'A' });

    const reuse = await invoke(createHandler, { method: 'POST', path: '/users/', body: seedBody(user.username) });
    expect(reuse.status).toBe(201);
    const clash = await invoke(patchHandler, { method: 'PATCH', ...idPath(user.id), body: { username: user.username } });
    expect(clash.status).toBe(400);
    expect(clash.body.errors).toHaveProperty('username');
  });

  it('changes the password when one is given, and keeps it otherwise', async () => {
    const user = await createUser();
    await invoke(patchHandler, { method: 'PATCH', ...idPath(user.id), body: { first_name: 'B' } });
    expect(await verifyPassword('Password!', (await getStoredUser(user.id))!.passwordHash)).toBe(true);
    await invoke(patchHandler, { method: 'PATCH', ...idPath(user.id), body: { password: 'N3w-secret' } });
    expect(await verifyPassword('N3w-secret', (await getStoredUser(user.id))!.passwordHash)).toBe(true);
  });

  it('answers 404 for an unknown user and 400 for a bad status', async () => {
    expect((await invoke(patchHandler, { method: 'PATCH', ...idPath(987_654_321), body: { first_name: 'x' } })).status).toBe(404);
    const user = await createUser();
    const bad = await invoke(patchHandler, { method: 'PATCH', ...idPath(user.id), body: { profile: { status: 'Sleeping' } } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toHaveProperty(['profile.status']);
  });
});

describe('DELETE /users/:id/', () => {
  it('deletes the user and frees the username', async () => {
    const user = await createUser();
    expect((await invoke(deleteHandler, { method: 'DELETE', ...idPath(user.id) })).status).toBe(204);
    expect((await invoke(getHandler, idPath(user.id))).status).toBe(404);
    expect((await invoke(deleteHandler, { method: 'DELETE', ...idPath(user.id) })).status).toBe(404);
    const again = await invoke(createHandler, { method: 'POST', path: '/users/', body: seedBody(user.username) });
    expect(again.status).toBe(201);
  });
});

describe('GET /users/ filters', () => {
  it('filters by id, username, first_name, last_name and profile__status, ignoring empty and unknown parameters', async () => {
    const username = uniqueName('filter');
    const created = await invoke(createHandler, {
      method: 'POST',
      path: '/users/',
      body: { ...seedBody(username), first_name: 'Filtro', last_name: uniqueName('Last'), profile: { status: 'Busy' } },
    });
    const user = created.body;
    const queries: Record<string, string>[] = [
      { id: String(user.id) },
      { username },
      { last_name: user.last_name },
      { last_name: user.last_name, first_name: 'Filtro', profile__status: 'Busy' },
      { username, first_name: '', unknown: 'ignored' },
    ];
    for (const query of queries) {
      const answer = await invoke(listHandler, { path: '/users/', query });
      expect(answer.status, JSON.stringify(query)).toBe(200);
      expect(answer.body.map((u: { id: number }) => u.id), JSON.stringify(query)).toEqual([user.id]);
    }
    const none = await invoke(listHandler, { path: '/users/', query: { username, profile__status: 'Offline' } });
    expect(none.body).toEqual([]);
  });

  it('answers 400 to a filter value of the wrong kind', async () => {
    expect((await invoke(listHandler, { path: '/users/', query: { id: 'abc' } })).status).toBe(400);
    const badStatus = await invoke(listHandler, { path: '/users/', query: { profile__status: 'Sleeping' } });
    expect(badStatus.status).toBe(400);
    expect(badStatus.body.errors).toHaveProperty('profile__status');
  });

  it('returns a plain array of users without passwords', async () => {
    const answer = await invoke(listHandler, { path: '/users/' });
    expect(Array.isArray(answer.body)).toBe(true);
    expect(answer.body.length).toBeGreaterThanOrEqual(15);
    expect(JSON.stringify(answer.body)).not.toMatch(/password|scrypt/i);
  });
});

describe('GET /users/ conditional requests', () => {
  it('sends a strong ETag and answers 304 without a body when it still matches', async () => {
    const username = uniqueName('etag');
    await createUser(username);
    const first = await invoke(listHandler, { path: '/users/', query: { username } });
    const etag = first.headers.ETag as string;
    expect(etag).toMatch(/^"[\w-]+"$/);

    const unchanged = await invoke(listHandler, { path: '/users/', query: { username }, headers: { 'if-none-match': etag } });
    expect(unchanged.status).toBe(304);
    expect(unchanged.body).toBeUndefined();

    const weakAndListed = await invoke(listHandler, { path: '/users/', query: { username }, headers: { 'if-none-match': `"other", W/${etag}` } });
    expect(weakAndListed.status).toBe(304);

    const user = first.body[0];
    await invoke(patchHandler, { method: 'PATCH', ...idPath(user.id), body: { first_name: 'Changed' } });
    const changed = await invoke(listHandler, { path: '/users/', query: { username }, headers: { 'if-none-match': etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.ETag).not.toBe(etag);
    expect(changed.body[0].first_name).toBe('Changed');
  });
});

describe('DELETE /users/:id/ and memberships', () => {
  it('leaves every room first: a room the user was alone in is deleted, a shared room keeps the others', async () => {
    const { createGroupRoom, findOrCreateDirectRoom, getRoom, listRooms } = await import('../../lib/rooms/service.ts');
    const leaver = await createUser();
    const other = await createUser();
    const alone = await createGroupRoom({ room_name: uniqueName('alone') }, leaver.id);
    const shared = await createGroupRoom({ room_name: uniqueName('shared'), room_member: [{ username: other.username }] }, leaver.id);
    const direct = await findOrCreateDirectRoom(leaver, other);

    expect((await invoke(deleteHandler, { method: 'DELETE', ...idPath(leaver.id) })).status).toBe(204);

    expect(await getRoom(alone.id)).toBeUndefined();
    const roomsOfOther = (await listRooms(other.id)) as { id: number; room_member: { username: string }[] }[];
    const sharedNow = roomsOfOther.find((room) => room.id === shared.id);
    const directNow = roomsOfOther.find((room) => room.id === direct.id);
    expect(sharedNow?.room_member).toEqual([{ username: other.username }]);
    expect(directNow?.room_member).toEqual([{ username: other.username }]);
  });
});
