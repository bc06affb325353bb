import { describe, expect, it } from 'vitest';
import { createGroupRoom } from '../../lib/rooms/service.ts';
import { createUser } from '../../lib/users/service.ts';
import { http, taskOutcome } from '../support/http.ts';
import { uniqueName } from '../support/lambda.ts';

/** The seed's reading scenarios (chat/tests/test_messages.py test_0003, and the unseen endpoint), as curls run them. */

async function user() {
  const created = await createUser({ username: uniqueName('reader'), password: 'Passw0rd!', first_name: '', last_name: '', email: '', profile: { status: 'Online', status_msg: '' } });
  return { id: created.id, username: created.username };
}


const roomIn = (answer: { body: { data: { id: number }[] } }, roomId: number) => answer.body.data.find((room) => room.id === roomId) as any;

describe('reading over HTTP through serverless-offline', () => {
  it('READ + UNSEEN: user_2 reads "hi family", user_4 gets 404, unseen lists it once for user_3 and never for the sender', async () => {
    const [user1, user2, user3, user4] = [await user(), await user(), await user(), await user()];
    const family = await createGroupRoom({ room_name: uniqueName('family'), room_member: [user1, user2, user3].map(({ username }) => ({ username })) });
    await createGroupRoom({ room_name: uniqueName('friends'), room_member: [user1, user4].map(({ username }) => ({ username })) });

    const sent = await http('POST', `/chat/group/${family.id}/`, { body: { from: user1.id, text: 'hi family' } });
    expect(sent.status).toBe(200);
    expect(await taskOutcome(sent.body.data)).toMatchObject({ state: 'SUCCESS' });

    const listed = await http('GET', `/chat/chatroom/?user_id=${user3.id}`);
    expect(roomIn(listed, family.id).unread_count).toBe(1);

    // MESSAGES LIST BY CHATROOM ID
    const read = await http('GET', `/chat/messages/${family.id}/?user_id=${user2.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ status: 200, message: 'HTTP_200_OK', data: { id: family.id, room_name: family.room_name } });
    expect(read.body.data.room_member).toHaveLength(3);
    expect(read.body.data.messages[0]).toMatchObject({ sequence: 1, text: 'hi family', msg_from: { id: user1.id, username: user1.username } });
    expect(read.body.data.page).toEqual({ limit: 50, prev: null, next: null, has_more_before: false, has_more_after: false });

    const outsider = await http('GET', `/chat/messages/${family.id}/?user_id=${user4.id}`);
    expect(outsider.status).toBe(404);
    expect(outsider.headers['content-type']).toContain('application/problem+json');
    expect(outsider.body).toMatchObject({ status: 404, code: 'not_found' });

    // ONLY MINE UNREAD MESSAGES
    const unseen = await http('GET', `/chat/messages/unseen/?user_id=${user3.id}`);
    expect(unseen.status).toBe(200);
    expect(roomIn(unseen, family.id).messages.map((m: { text: string }) => m.text)).toEqual(['hi family']);
    const again = await http('GET', `/chat/messages/unseen/?user_id=${user3.id}`);
    expect(roomIn(again, family.id).messages).toEqual([]);
    expect(roomIn(await http('GET', `/chat/chatroom/?user_id=${user3.id}`), family.id).unread_count).toBe(0);

    const senders = await http('GET', `/chat/messages/unseen/?user_id=${user1.id}`);
    expect(senders.body.data).toHaveLength(2);
    expect(roomIn(senders, family.id).messages).toEqual([]);
  });

  it('routes "unseen" to the unseen endpoint with or without the trailing slash, and long polls with the real Lambda context', async () => {
    const [loner, other] = [await user(), await user()];
    const room = await createGroupRoom({ room_name: uniqueName('quiet'), room_member: [loner, other].map(({ username }) => ({ username })) });
    for (const path of [`/chat/messages/unseen/?user_id=${loner.id}`, `/chat/messages/unseen?user_id=${loner.id}`, `/chat/messages/unseen/?user_id=${loner.id}&wait=1`]) {
      const answer = await http('GET', path);
      expect(answer.status, path).toBe(200);
      expect(answer.body.data, path).toEqual([{ id: room.id, room_name: room.room_name, room_member: expect.any(Array), member_count: 2, is_direct: false, direct_peer: null, messages: [], has_more: false }]);
    }
    expect((await http('GET', `/chat/messages/${room.id}?user_id=${loner.id}`)).status).toBe(200);
  });

  it('answers bad input with problem+json 400, never a 500', async () => {
    const reader = await user();
    for (const path of [
      `/chat/messages/abc/?user_id=${reader.id}`,
      `/chat/messages/0/?user_id=${reader.id}`,
      `/chat/messages/1/`,
      `/chat/messages/1/?user_id=x`,
      `/chat/messages/1/?user_id=${reader.id}&limit=1000`,
      `/chat/messages/unseen/`,
      `/chat/messages/unseen/?user_id=${reader.id}&wait=60`,
    ]) {
      const answer = await http('GET', path);
      expect(answer.status, path).toBe(400);
      expect(answer.headers['content-type'], path).toContain('application/problem+json');
    }
  });
});
