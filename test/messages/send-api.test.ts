import { describe, expect, it } from 'vitest';
import { handler as sendDirect } from '../../functions/send-direct.ts';
import { handler as sendGroup } from '../../functions/send-group.ts';
import { resetDynamoUsage } from '../../lib/repository/client.ts';
import { listRoomMessages } from '../../lib/repository/messages.ts';
import { getMembership, getRoom } from '../../lib/rooms/service.ts';
import { invoke, uniqueName } from '../support/lambda.ts';
import { expectNoWrites, finishedTask, newRoom, newUser, tasksOfSender, twoUsers, unreadIn } from './fixtures.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const direct = (receiverId: number | string, body: unknown, headers?: Record<string, string>) =>
  invoke(sendDirect, { method: 'POST', path: `/chat/user/${receiverId}/`, pathParameters: { user_id: String(receiverId) }, body, ...(headers ? { headers } : {}) });

const group = (roomId: number | string, body: unknown, headers?: Record<string, string>) =>
  invoke(sendGroup, { method: 'POST', path: `/chat/group/${roomId}/`, pathParameters: { room_id: String(roomId) }, body, ...(headers ? { headers } : {}) });

describe('POST /chat/user/:user_id/ (direct message)', () => {
  it('answers the task id in the seed envelope at once; the task ends in SUCCESS with the stored message and its room', async () => {
    const [alice, bob] = await twoUsers();
    const answer = await direct(bob.id, { from: alice.id, text: '  hey man  ' });

    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ status: 200, message: 'HTTP_200_OK', data: expect.stringMatching(UUID) });

    const task = await finishedTask(answer.body.data);
    const [low, high] = alice.id < bob.id ? [alice, bob] : [bob, alice];
    expect(task).toEqual({
      state: 'SUCCESS',
      result: {
        id: expect.stringMatching(/^\d+-1$/),
        sequence: 1,
        room: { id: expect.any(Number), room_name: `${low.username} - ${high.username}` },
        msg_from: { id: alice.id, username: alice.username },
        text: 'hey man',
        sent_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      },
    });
    const room = await getRoom((task.result as { room: { id: number } }).room.id);
    expect(room).toMatchObject({ is_direct: true, lastSequence: 1 });
  });

  it('puts the reply in the same room, with the next sequence number', async () => {
    const [alice, bob] = await twoUsers();
    const first = await finishedTask((await direct(bob.id, { from: alice.id, text: 'hi' })).body.data);
    const reply = await finishedTask((await direct(alice.id, { from: bob.id, text: "hey what's up" })).body.data);

    const roomId = (first.result as { room: { id: number } }).room.id;
    expect(reply.result).toMatchObject({ room: { id: roomId }, sequence: 2, msg_from: { id: bob.id } });
    const stored = await listRoomMessages(roomId);
    expect(stored.map(({ sequence, senderId, text }) => ({ sequence, senderId, text }))).toEqual([
      { sequence: 1, senderId: alice.id, text: 'hi' },
      { sequence: 2, senderId: bob.id, text: "hey what's up" },
    ]);
  });

  it('accepts digit strings and numbers as DRF does, and 4000 characters counted as characters, not UTF-16 units', async () => {
    const [alice, bob] = await twoUsers();
    // Emoji, a tab, a NUL and U+FFFF: text SQS would refuse in a raw message body.
    const emoji = `${'😀'.repeat(3995)}\t\u0000\uffffé`;
    const answer = await direct(String(bob.id), { from: String(alice.id), text: emoji });
    expect(answer.status).toBe(200);
    expect((await finishedTask(answer.body.data)).result).toMatchObject({ text: emoji });

    const numeric = await direct(bob.id, { from: alice.id, text: 5 });
    expect((await finishedTask(numeric.body.data)).result).toMatchObject({ text: '5' });
  });

  it('answers 404 for an unknown receiver and 400 for an unknown sender, writing nothing', async () => {
    const alice = await newUser();
    resetDynamoUsage();
    const unknownReceiver = await direct(987_654_321, { from: alice.id, text: 'hi' });
    expect(unknownReceiver.status).toBe(404);
    expect(unknownReceiver.body).toMatchObject({ status: 404, code: 'not_found' });
    const unknownSender = await direct(alice.id, { from: 987_654_321, text: 'hi' });
    expect(unknownSender.status).toBe(400);
    expect(unknownSender.body).toMatchObject({ code: 'validation_failed', errors: { from: [expect.any(String)] } });
    expectNoWrites();
    expect(await tasksOfSender(alice.id)).toEqual([]);
  });

  it('refuses a direct message to oneself with 400', async () => {
    const alice = await newUser();
    resetDynamoUsage();
    const answer = await direct(alice.id, { from: alice.id, text: 'note to self' });
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toHaveProperty('from');
    expectNoWrites();
  });

  it.each(['abc', '-1', '0', '1.5', '99999999999999999999', '01'])('answers 400 to the receiver id %s', async (id) => {
    resetDynamoUsage();
    const answer = await direct(id, { from: 1, text: 'hi' });
    expect(answer.status).toBe(400);
    expect(answer.headers['Content-Type']).toBe('application/problem+json');
    expect(answer.body.errors).toHaveProperty('user_id');
    expectNoWrites();
  });
});

describe('POST /chat/group/:room_id/ (group message)', () => {
  it('stores a member’s message; the sender has seen their own message', async () => {
    const [alice, bob] = await twoUsers();
    const room = await newRoom([alice, bob]);
    const answer = await group(room.id, { from: alice.id, text: 'hi fam' });
    expect(answer.status).toBe(200);

    const task = await finishedTask(answer.body.data);
    expect(task).toMatchObject({ state: 'SUCCESS', result: { id: `${room.id}-1`, sequence: 1, room, msg_from: alice, text: 'hi fam' } });
    expect(await unreadIn(room.id, alice.id)).toBe(0);
    expect(await unreadIn(room.id, bob.id)).toBe(1);

    // Bob has not read message 1; his own message 2 is not unread for him, and is for alice.
    await finishedTask((await group(room.id, { from: bob.id, text: 'hello' })).body.data);
    expect(await unreadIn(room.id, bob.id)).toBe(1);
    expect(await unreadIn(room.id, alice.id)).toBe(1);
    // Neither membership was written: the room's recent senders say who sent what.
    expect(await getMembership(room.id, alice.id)).toMatchObject({ lastSeenSequence: 0, ownAfterWatermark: [] });
    expect(await getMembership(room.id, bob.id)).toMatchObject({ lastSeenSequence: 0, ownAfterWatermark: [] });
  });

  it('rejects a non-member at once with 403 and stores nothing (the seed queued it and failed later)', async () => {
    const [alice, outsider] = await twoUsers();
    const room = await newRoom([alice]);
    resetDynamoUsage();
    const answer = await group(room.id, { from: outsider.id, text: 'can I be part of the family?' });

    expect(answer.status).toBe(403);
    expect(answer.headers['Content-Type']).toBe('application/problem+json');
    expect(answer.body).toMatchObject({ status: 403, code: 'forbidden', detail: expect.stringContaining(outsider.username) });
    expectNoWrites();
    expect(await tasksOfSender(outsider.id)).toEqual([]);
    expect(await listRoomMessages(room.id)).toEqual([]);
  });

  describe('a direct room (group sends only; its name says who talks to whom)', () => {
    /** A direct room of its own (made by a first direct message) and the pair. */
    async function directRoom() {
      const [alice, bob] = await twoUsers();
      const first = await finishedTask((await direct(bob.id, { from: alice.id, text: 'hi' })).body.data);
      return { alice, bob, roomId: (first.result as { room: { id: number; room_name: string } }).room.id };
    }

    it('answers its members 400 direct_room and stores nothing', async () => {
      const { alice, roomId } = await directRoom();
      resetDynamoUsage();
      const answer = await group(roomId, { from: alice.id, text: 'through the group endpoint' });
      expect(answer.status).toBe(400);
      expect(answer.headers['Content-Type']).toBe('application/problem+json');
      expect(answer.body).toMatchObject({ status: 400, code: 'direct_room', detail: expect.stringContaining('POST /chat/user/:user_id/') });
      expectNoWrites();
      expect((await listRoomMessages(roomId)).map((m) => m.text)).toEqual(['hi']);
    });

    it('answers anyone else exactly as for an unknown room: no name, no sign that it exists', async () => {
      const { alice, bob, roomId } = await directRoom();
      const outsider = await newUser();
      const unknownRoomId = 987_654_321;
      const asUnknown = (body: Record<string, unknown>) => JSON.parse(JSON.stringify(body).replaceAll(String(unknownRoomId), String(roomId)));
      const unknown = await group(unknownRoomId, { from: outsider.id, text: 'hello?' });
      expect(unknown.status).toBe(404);

      resetDynamoUsage();
      for (const from of [outsider.id, 987_654_320]) {
        const answer = await group(roomId, { from, text: 'hello?' });
        expect(answer.status).toBe(404);
        expect(answer.headers['Content-Type']).toBe('application/problem+json');
        expect(answer.body).toEqual(asUnknown(unknown.body));
        for (const name of [alice.username, bob.username]) expect(JSON.stringify(answer)).not.toContain(name);
      }
      expectNoWrites();
      expect(await tasksOfSender(outsider.id)).toEqual([]);
    });
  });

  it('answers 404 for an unknown room and 400 for an unknown sender', async () => {
    const alice = await newUser();
    const room = await newRoom([alice]);
    resetDynamoUsage();
    expect((await group(987_654_321, { from: alice.id, text: 'hi' })).status).toBe(404);
    const unknownSender = await group(room.id, { from: 987_654_321, text: 'hi' });
    expect(unknownSender.status).toBe(400);
    expect(unknownSender.body.errors).toHaveProperty('from');
    expectNoWrites();
  });

  it.each([
    ['malformed JSON', '{"from": 1, "text": ', 'malformed_json', 'body'],
    // No body is an empty object, as DRF's request.data: each required field is missing.
    ['no body', undefined, 'validation_failed', 'text'],
    ['a JSON array', [], 'validation_failed', 'body'],
    ['a JSON string', '"hi"', 'validation_failed', 'body'],
    ['a missing from', { text: 'hi' }, 'validation_failed', 'from'],
    ['a missing text', { from: 1 }, 'validation_failed', 'text'],
    ['a blank text', { from: 1, text: '   ' }, 'validation_failed', 'text'],
    ['an empty text', { from: 1, text: '' }, 'validation_failed', 'text'],
    ['a text of 4001 characters', { from: 1, text: 'x'.repeat(4001) }, 'validation_failed', 'text'],
    ['a boolean text', { from: 1, text: true }, 'validation_failed', 'text'],
    ['an object text', { from: 1, text: { body: 'hi' } }, 'validation_failed', 'text'],
    ['a from of 0', { from: 0, text: 'hi' }, 'validation_failed', 'from'],
    ['a negative from', { from: -1, text: 'hi' }, 'validation_failed', 'from'],
    ['a fractional from', { from: 1.5, text: 'hi' }, 'validation_failed', 'from'],
    ['a from of abc', { from: 'abc', text: 'hi' }, 'validation_failed', 'from'],
    ['a huge from', { from: 1e20, text: 'hi' }, 'validation_failed', 'from'],
  ])('answers 400 to %s and writes nothing', async (_case, body, code, field) => {
    const alice = await newUser();
    const room = await newRoom([alice]);
    resetDynamoUsage();
    const answer = await group(room.id, body);
    expect(answer.status).toBe(400);
    expect(answer.headers['Content-Type']).toBe('application/problem+json');
    expect(answer.body).toMatchObject({ status: 400, code });
    if (code === 'validation_failed') expect(answer.body.errors).toHaveProperty(field);
    expectNoWrites();
    expect(await listRoomMessages(room.id)).toEqual([]);
  });

  it('answers 413 to a body over 64 KiB', async () => {
    resetDynamoUsage();
    const answer = await group(1, { from: 1, text: 'x'.repeat(70_000) });
    expect(answer.status).toBe(413);
    expect(answer.body.code).toBe('payload_too_large');
    expectNoWrites();
  });

  it.each(['abc', '-1', '0', '99999999999999999999'])('answers 400 to the room id %s', async (id) => {
    const answer = await group(id, { from: 1, text: 'hi' });
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toHaveProperty('room_id');
  });
});

describe('Idempotency-Key', () => {
  it('replays the first task id for the same key and body, queueing nothing new', async () => {
    const alice = await newUser();
    const room = await newRoom([alice]);
    const key = uniqueName('key');
    const first = await group(room.id, { from: alice.id, text: 'once' }, { 'Idempotency-Key': key });
    const again = await group(room.id, { from: alice.id, text: ' once ' }, { 'Idempotency-Key': key });

    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.body.data).toBe(first.body.data);
    expect(again.headers['Idempotent-Replayed']).toBe('true');
    expect(first.headers['Idempotent-Replayed']).toBeUndefined();
    await finishedTask(first.body.data);
    const afterSuccess = await group(room.id, { from: alice.id, text: 'once' }, { 'Idempotency-Key': key });
    expect(afterSuccess.body.data).toBe(first.body.data);

    expect((await listRoomMessages(room.id)).map((m) => m.text)).toEqual(['once']);
    expect(await tasksOfSender(alice.id)).toHaveLength(1);
  });

  it('answers 409 for the same key with a different body or target, and writes no task', async () => {
    const alice = await newUser();
    const room = await newRoom([alice]);
    const other = await newRoom([alice]);
    const key = uniqueName('key');
    await group(room.id, { from: alice.id, text: 'first' }, { 'Idempotency-Key': key });

    resetDynamoUsage();
    const changedText = await group(room.id, { from: alice.id, text: 'second' }, { 'Idempotency-Key': key });
    const changedRoom = await group(other.id, { from: alice.id, text: 'first' }, { 'Idempotency-Key': key });
    expect(changedText.status).toBe(409);
    expect(changedText.body).toMatchObject({ status: 409, code: 'conflict' });
    expect(changedRoom.status).toBe(409);
    // Only the failed conditional claims of the key were attempted.
    expect(await tasksOfSender(alice.id)).toHaveLength(1);
  });

  it('scopes keys to the sender: another user may use the same key', async () => {
    const [alice, bob] = await twoUsers();
    const room = await newRoom([alice, bob]);
    const key = uniqueName('key');
    const fromAlice = await group(room.id, { from: alice.id, text: 'same' }, { 'Idempotency-Key': key });
    const fromBob = await group(room.id, { from: bob.id, text: 'same' }, { 'Idempotency-Key': key });
    expect(fromBob.body.data).not.toBe(fromAlice.body.data);
    await Promise.all([finishedTask(fromAlice.body.data), finishedTask(fromBob.body.data)]);
    expect(await listRoomMessages(room.id)).toHaveLength(2);
  });

  it('gives concurrent requests with one key one task and one message', async () => {
    const alice = await newUser();
    const room = await newRoom([alice]);
    const key = uniqueName('key');
    const answers = await Promise.all(Array.from({ length: 6 }, () => group(room.id, { from: alice.id, text: 'racing' }, { 'Idempotency-Key': key })));
    expect(answers.map((a) => a.status)).toEqual(Array(6).fill(200));
    expect(new Set(answers.map((a) => a.body.data)).size).toBe(1);
    await finishedTask(answers[0]!.body.data);
    expect(await listRoomMessages(room.id)).toHaveLength(1);
  });

  it.each(['', 'has space', 'ü', 'k'.repeat(129), 'a/b'])('answers 400 to the key %j and writes nothing', async (key) => {
    const alice = await newUser();
    const room = await newRoom([alice]);
    resetDynamoUsage();
    const answer = await group(room.id, { from: alice.id, text: 'hi' }, { 'Idempotency-Key': key });
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toHaveProperty('idempotency-key');
    expectNoWrites();
  });
});
