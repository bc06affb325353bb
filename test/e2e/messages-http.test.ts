import { describe, expect, it } from 'vitest';
import { listRoomMessages } from '../../lib/repository/messages.ts';
import { createGroupRoom } from '../../lib/rooms/service.ts';
import { createUser } from '../../lib/users/service.ts';
import { http, taskOutcome } from '../support/http.ts';
import { uniqueName } from '../support/lambda.ts';

/** The seed's message scenarios (chat/tests/test_messages.py), as its README's curls run them. */

async function user() {
  const created = await createUser({ username: uniqueName('http'), password: 'Passw0rd!', first_name: '', last_name: '', email: '', profile: { status: 'Online', status_msg: '' } });
  return { id: created.id, username: created.username };
}


describe('messages over HTTP through serverless-offline', () => {
  it('SEND DIRECT MESSAGE: answers the task id, the task succeeds with the room, and the reply lands in the same room', async () => {
    const [user1, user2] = [await user(), await user()];
    const sent = await http('POST', `/chat/user/${user2.id}/`, { body: `{\n    "from": ${user1.id},\n    "text": "hi my man"\n}\n` });
    expect(sent.status).toBe(200);
    expect(sent.headers['content-type']).toContain('application/json');
    expect(sent.body).toEqual({ status: 200, message: 'HTTP_200_OK', data: expect.any(String) });

    const first = await taskOutcome(sent.body.data);
    expect(first.state).toBe('SUCCESS');
    expect(first.result).toMatchObject({ room: { id: expect.any(Number) }, msg_from: user1, text: 'hi my man' });

    const reply = await http('POST', `/chat/user/${user1.id}/`, { body: { from: user2.id, text: "hey what's up" } });
    const second = await taskOutcome(reply.body.data);
    expect(second.result.room.id).toBe(first.result.room.id);
    expect(second.result.sequence).toBe(first.result.sequence + 1);
  });

  it('SEND GROUP MESSAGE: a member’s message succeeds; a non-member is refused at once and nothing is stored', async () => {
    const [user1, user2, user4] = [await user(), await user(), await user()];
    const family = await createGroupRoom({ room_name: uniqueName('family'), room_member: [user1, user2].map(({ username }) => ({ username })) });

    const sent = await http('POST', `/chat/group/${family.id}/`, { body: { from: user1.id, text: 'hi family' } });
    expect(sent.status).toBe(200);
    expect(await taskOutcome(sent.body.data)).toMatchObject({ state: 'SUCCESS', result: { room: { id: family.id, room_name: family.room_name }, text: 'hi family' } });

    const refused = await http('POST', `/chat/group/${family.id}/`, { body: { from: user4.id, text: 'can I be part of the family?' } });
    expect(refused.status).toBe(403);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ status: 403, code: 'forbidden' });
    expect((await listRoomMessages(family.id)).map((m) => m.text)).toEqual(['hi family']);
  });

  it('GET SENT MESSAGE TASK STATUS: 404 for an unknown task, 400 for a malformed id', async () => {
    expect((await http('GET', '/chat/task_state/a487117c-d31b-45b0-ae3c-28126b0f3ec2')).status).toBe(404);
    const malformed = await http('GET', '/chat/task_state/not-a-task');
    expect(malformed.status).toBe(400);
    expect(malformed.headers['content-type']).toContain('application/problem+json');
  });

  it('answers malformed JSON and bad ids with problem+json 400, never a 500', async () => {
    const receiver = await user();
    const malformed = await http('POST', `/chat/user/${receiver.id}/`, { body: '{"from": 1, "text":' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('malformed_json');
    for (const id of ['abc', '-1', '0', '99999999999999999999']) {
      const answer = await http('POST', `/chat/group/${id}/`, { body: { from: 1, text: 'hi' } });
      expect(answer.status).toBe(400);
      expect(answer.body.errors).toHaveProperty('room_id');
    }
  });

  it('takes the paths with or without the seed’s trailing slash', async () => {
    const [user1, user2] = [await user(), await user()];
    expect((await http('POST', `/chat/user/${user2.id}`, { body: { from: user1.id, text: 'no slash' } })).status).toBe(200);
    expect((await http('POST', `/chat/user/${user2.id}/`, { body: { from: user1.id, text: 'slash' } })).status).toBe(200);
  });

  it('replays an Idempotency-Key over HTTP', async () => {
    const [user1, user2] = [await user(), await user()];
    const headers = { 'Idempotency-Key': uniqueName('key') };
    const first = await http('POST', `/chat/user/${user2.id}/`, { body: { from: user1.id, text: 'once' }, headers });
    const again = await http('POST', `/chat/user/${user2.id}/`, { body: { from: user1.id, text: 'once' }, headers });
    expect(again.body.data).toBe(first.body.data);
    expect(again.headers['idempotent-replayed']).toBe('true');
    const changed = await http('POST', `/chat/user/${user2.id}/`, { body: { from: user1.id, text: 'twice' }, headers });
    expect(changed.status).toBe(409);
  });
});
