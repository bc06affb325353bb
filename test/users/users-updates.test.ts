import { PutCommand } from '../../lib/aws/dynamodb.ts';
import { describe, expect, it } from 'vitest';
import { handler as getHandler } from '../../functions/user-get.ts';
import { handler as patchHandler } from '../../functions/user-patch.ts';
import { handler as replaceHandler } from '../../functions/user-replace.ts';
import { handler as createHandler } from '../../functions/users-create.ts';
import { handler as listHandler } from '../../functions/users-list.ts';
import { ddb, dynamoUsage, resetDynamoUsage, tables } from '../../lib/repository/client.ts';
import { keys } from '../../lib/repository/keys.ts';
import { findUserIdByUsername, getUser as getStoredUser } from '../../lib/repository/users.ts';
import { verifyPassword } from '../../lib/users/password.ts';
import { invoke, uniqueName } from '../support/lambda.ts';

const WRITES = /^(Put|Update|Delete|TransactWrite|BatchWrite)/;
const writes = () => Object.entries(dynamoUsage().byCommand).filter(([command]) => WRITES.test(command)).reduce((sum, [, n]) => sum + n, 0);

const idPath = (id: number) => ({ path: `/users/${id}/`, pathParameters: { id: String(id) } });
const get = (id: number, headers: Record<string, string> = {}) => invoke(getHandler, { ...idPath(id), headers });
const patch = (id: number, body: unknown, headers: Record<string, string> = {}) => invoke(patchHandler, { method: 'PATCH', ...idPath(id), body, headers });
const put = (id: number, body: unknown, headers: Record<string, string> = {}) => invoke(replaceHandler, { method: 'PUT', ...idPath(id), body, headers });

async function newUser() {
  const answer = await invoke(createHandler, { method: 'POST', path: '/users/', body: { username: uniqueName('upd'), password: 'Passw0rd!' } });
  expect(answer.status).toBe(201);
  return answer.body as { id: number; username: string };
}

describe('PATCH and PUT never lose or revert a concurrent change', () => {
  it('20 concurrent PATCHes of distinct fields (4 users × 5 fields, renames included): all 20 changes are there', async () => {
    const users = await Promise.all(Array.from({ length: 4 }, newUser));
    const changes = users.map((user) => ({
      user,
      fields: [
        { first_name: `First ${user.id}` },
        { last_name: `Last ${user.id}` },
        { email: `u${user.id}@example.com` },
        { profile: { status_msg: `msg ${user.id}` } },
        { username: uniqueName(`renamed${user.id}`) },
      ],
    }));

    const answers = await Promise.all(changes.flatMap(({ user, fields }) => fields.map((body) => patch(user.id, body))));

    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    for (const { user, fields } of changes) {
      const stored = (await get(user.id)).body;
      expect(stored).toMatchObject({ ...Object.assign({}, ...fields), profile: { status: 'Offline', status_msg: `msg ${user.id}` } });
      // The rename moved the username claim: the new name is the user's, the old one is free.
      expect(await findUserIdByUsername(stored.username)).toBe(user.id);
      expect(await findUserIdByUsername(user.username)).toBeUndefined();
    }
  });

  it('a PATCH right after another never reverts it', async () => {
    const user = await newUser();
    for (let round = 0; round < 5; round++) {
      expect((await patch(user.id, { first_name: `F${round}` })).status).toBe(200);
      expect((await patch(user.id, { last_name: `L${round}` })).status).toBe(200);
      expect((await get(user.id)).body).toMatchObject({ first_name: `F${round}`, last_name: `L${round}` });
    }
  });

  it('a PATCH is one UpdateItem of the fields given, with no read first', async () => {
    const user = await newUser();
    resetDynamoUsage();
    expect((await patch(user.id, { first_name: 'Only' })).status).toBe(200);
    expect(dynamoUsage().byCommand).toEqual({ UpdateItemCommand: 1 });
    resetDynamoUsage();
    expect((await put(user.id, { username: user.username, profile: { status: 'Busy' } })).status).toBe(200);
    expect(dynamoUsage().byCommand).toEqual({ UpdateItemCommand: 1 });
  });

  it('a rename racing a rename of the same user ends with one name, claimed once', async () => {
    const user = await newUser();
    const names = [uniqueName('raceA'), uniqueName('raceB')];
    const answers = await Promise.all(names.map((username) => patch(user.id, { username })));
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    const final = (await get(user.id)).body.username;
    expect(names).toContain(final);
    const claims = await Promise.all([...names, user.username].map(findUserIdByUsername));
    expect(claims.filter((id) => id !== undefined)).toEqual([user.id]);
  });
});

describe('ETag and If-Match on /users/:id/', () => {
  it('GET, PUT and PATCH send the ETag of the representation; it changes exactly when the representation does', async () => {
    const user = await newUser();
    const first = await get(user.id);
    const etag = first.headers.ETag!;
    expect(etag).toMatch(/^"[\w-]{27}"$/);
    expect((await get(user.id, { 'if-none-match': etag })).status).toBe(304);

    const unchanged = await patch(user.id, {});
    expect(unchanged.headers.ETag).toBe(etag);
    const changed = await patch(user.id, { first_name: 'New' });
    expect(changed.headers.ETag).not.toBe(etag);
    expect((await get(user.id)).headers.ETag).toBe(changed.headers.ETag);
    const replaced = await put(user.id, { username: user.username, first_name: 'Newer' });
    expect((await get(user.id)).headers.ETag).toBe(replaced.headers.ETag);
  });

  it('If-Match with the current ETag (or *) writes; a stale, weak or foreign one is 412 and writes nothing', async () => {
    const user = await newUser();
    const etag = (await get(user.id)).headers.ETag!;
    const current = await patch(user.id, { first_name: 'Matched' }, { 'if-match': etag });
    expect(current.status).toBe(200);

    for (const ifMatch of [etag, `W/${current.headers.ETag}`, '"not-a-tag"']) {
      resetDynamoUsage();
      for (const answer of [await patch(user.id, { first_name: 'Lost' }, { 'if-match': ifMatch }), await put(user.id, { username: user.username, first_name: 'Lost' }, { 'if-match': ifMatch })]) {
        expect(answer.status, ifMatch).toBe(412);
        expect(answer.headers['Content-Type']).toBe('application/problem+json');
        expect(answer.body).toMatchObject({ status: 412, code: 'precondition_failed', title: 'Precondition Failed' });
      }
      expect(writes()).toBe(0);
    }
    expect((await get(user.id)).body.first_name).toBe('Matched');

    const listed = await patch(user.id, { last_name: 'Listed' }, { 'if-match': `"other", ${current.headers.ETag}` });
    expect(listed.status).toBe(200);
    expect((await patch(user.id, { last_name: 'Any' }, { 'if-match': '*' })).status).toBe(200);
    expect((await patch(987_654_321, { last_name: 'x' }, { 'if-match': '*' })).status).toBe(404);
  });

  it('If-Match makes a read-modify-write safe: of two writers with the same ETag, one wins and the other gets 412', async () => {
    const user = await newUser();
    const etag = (await get(user.id)).headers.ETag!;
    const answers = await Promise.all([
      patch(user.id, { first_name: 'Alice' }, { 'if-match': etag }),
      patch(user.id, { first_name: 'Bob' }, { 'if-match': etag }),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 412]);
    const winner = answers.find((a) => a.status === 200)!;
    expect((await get(user.id)).body.first_name).toBe(winner.body.first_name);
  });

  it('If-Match guards a rename too: a stale tag leaves the name and its claim alone', async () => {
    const user = await newUser();
    const etag = (await get(user.id)).headers.ETag!;
    await patch(user.id, { first_name: 'Moved on' });
    const renamed = uniqueName('stale');
    expect((await patch(user.id, { username: renamed }, { 'if-match': etag })).status).toBe(412);
    expect(await findUserIdByUsername(renamed)).toBeUndefined();
    expect(await findUserIdByUsername(user.username)).toBe(user.id);
  });
});

describe('users written before date_joined, is_active and the version existed', () => {
  it('read with date_joined from their creation time and is_active true, and update and match as any other', async () => {
    const id = 900_000_000 + Math.floor(Math.random() * 99_999_999);
    const username = uniqueName('legacy');
    const createdAt = '2026-01-02T03:04:05.678Z';
    const legacy = {
      id,
      username,
      first_name: 'Old',
      last_name: '',
      email: '',
      profile: { status: 'Online', status_msg: '' },
      passwordHash: 'unusable',
      createdAt,
      updatedAt: createdAt,
    };
    await ddb.send(new PutCommand({ TableName: tables.chat, Item: { ...keys.user(id), ...keys.userListing(id), type: 'user', ...legacy } }));
    await ddb.send(new PutCommand({ TableName: tables.chat, Item: { ...keys.username(username), type: 'username', userId: id } }));

    const read = await get(id);
    expect(read.body).toEqual({ id, username, first_name: 'Old', last_name: '', email: '', profile: { status: 'Online', status_msg: '' }, date_joined: createdAt, is_active: true });
    const listed = await invoke(listHandler, { path: '/users/', query: { username } });
    expect(listed.body).toEqual([read.body]);

    expect((await patch(id, { last_name: 'Matched' }, { 'if-match': read.headers.ETag! })).status).toBe(200);
    expect((await getStoredUser(id))?.version).toBe(1);
    expect((await patch(id, { username: uniqueName('legacyRenamed') })).status).toBe(200);
  });
});

describe('status_msg null, as the seed has it', () => {
  it('is the default of a new user, and accepted (and kept) on create, PUT and PATCH', async () => {
    const user = await newUser();
    expect((await get(user.id)).body.profile).toEqual({ status: 'Offline', status_msg: null });
    expect((await patch(user.id, { profile: { status_msg: 'set' } })).body.profile.status_msg).toBe('set');
    expect((await patch(user.id, { profile: { status_msg: null } })).body.profile.status_msg).toBeNull();
    // A client echoing back what GET answered (read-only fields included) is accepted.
    const echoed = (await get(user.id)).body;
    const answer = await put(user.id, { ...echoed, first_name: 'Echo' });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ ...echoed, first_name: 'Echo' });
    expect(await verifyPassword('Passw0rd!', (await getStoredUser(user.id))!.passwordHash)).toBe(true);
  });
});
