import { describe, expect, it } from 'vitest';
import { findOrCreateDirectRoom } from '../../lib/rooms/service.ts';
import { findUserIdByUsername } from '../../lib/repository/users.ts';
import { http } from '../support/http.ts';
import { uniqueName } from '../support/lambda.ts';
import { newUsers } from '../rooms/fixtures.ts';

type SeedUser = { id: number; username: string };

async function seedUser(n: number): Promise<SeedUser> {
  const username = `user_${n}`;
  const id = await findUserIdByUsername(username);
  if (id === undefined) throw new Error(`seed user ${username} is missing`);
  return { id, username };
}

describe('chat rooms over HTTP through serverless-offline (the seed README curls)', () => {
  it('create family → anonymous list → user list → join → join again → leave → last leave deletes it', async () => {
    const [user7, user8, user9, user12] = (await Promise.all([7, 8, 9, 12].map(seedUser))) as [SeedUser, SeedUser, SeedUser, SeedUser];
    const room_name = uniqueName('family');

    // CHATROOM CREATE, with the seed's body layout.
    const created = await http('POST', '/chat/chatroom/', {
      body: `    {
        "room_member": [
            {
                "username": "user_7"
            },
            {
                "username": "user_8"
            },
            {
                "username": "user_9"
            }
        ],
        "room_name": "${room_name}"
    }`,
    });
    expect(created.status).toBe(200);
    expect(created.headers['content-type']).toContain('application/json');
    expect(created.body).toEqual({
      status: 200,
      message: 'HTTP_200_OK',
      data: { id: expect.any(Number), room_name, room_member: [{ username: 'user_7' }, { username: 'user_8' }, { username: 'user_9' }], member_count: 3, is_direct: false, direct_peer: null },
    });
    const roomId: number = created.body.data.id;

    // CHATROOM LIST, anonymous: names only.
    const anonymous = await http('GET', '/chat/chatroom/');
    expect(anonymous.status).toBe(200);
    expect(anonymous.body.data).toContainEqual({ id: roomId, room_name });
    for (const room of anonymous.body.data) expect(room.room_member).toBeUndefined();

    // CHATROOM LIST with user_id: members shown.
    const mine = await http('GET', `/chat/chatroom/?user_id=${user7.id}`);
    expect(mine.status).toBe(200);
    expect(mine.body.data).toContainEqual({ id: roomId, room_name, room_member: [{ username: 'user_7' }, { username: 'user_8' }, { username: 'user_9' }], member_count: 3, is_direct: false, direct_peer: null, unread_count: 0 });

    // JOIN GROUP CHATROOM, then again.
    const joined = await http('PUT', `/chat/chatroom/${roomId}/?user_id=${user12.id}`);
    expect(joined.status).toBe(200);
    expect(joined.body).toEqual({ status: 200, message: 'HTTP_200_OK' });
    const again = await http('PUT', `/chat/chatroom/${roomId}/?user_id=${user12.id}`);
    expect(again.status).toBe(400);
    expect(again.headers['content-type']).toContain('application/problem+json');

    // GET DIRECT CHATROOM style read with user_id.
    const read = await http('GET', `/chat/chatroom/${roomId}/?user_id=${user12.id}`);
    expect(read.body.data.room_member).toEqual([{ username: 'user_7' }, { username: 'user_8' }, { username: 'user_9' }, { username: 'user_12' }]);

    // LEAVE CHATROOM: the room survives while members remain.
    for (const user of [user7, user8, user9]) {
      const left = await http('DELETE', `/chat/chatroom/${roomId}/?user_id=${user.id}`);
      expect(left.status).toBe(204);
      expect((await http('GET', `/chat/chatroom/${roomId}/`)).status).toBe(200);
    }
    const notMember = await http('DELETE', `/chat/chatroom/${roomId}/?user_id=${user7.id}`);
    expect(notMember.status).toBe(400);

    const history = await http('GET', `/chat/chatroom/${roomId}/members/?include=past&user_id=${user12.id}`);
    expect(history.status).toBe(200);
    expect(history.body.data.members).toEqual([{ id: user12.id, username: 'user_12', joined_at: expect.any(String) }]);
    const events = history.body.data.history.map((e: { username: string; event: string }) => `${e.username} ${e.event}`);
    expect(events.slice(0, 3).sort()).toEqual(['user_7 joined', 'user_8 joined', 'user_9 joined']);
    expect(events.slice(3)).toEqual(['user_12 joined', 'user_7 left', 'user_8 left', 'user_9 left']);

    // The last leave deletes the room.
    expect((await http('DELETE', `/chat/chatroom/${roomId}/?user_id=${user12.id}`)).status).toBe(204);
    const gone = await http('GET', `/chat/chatroom/${roomId}/`);
    expect(gone.status).toBe(404);
    expect(gone.headers['content-type']).toContain('application/problem+json');
    expect((await http('GET', '/chat/chatroom/')).body.data).not.toContainEqual({ id: roomId, room_name });
  });

  it('joining a direct room is 400; its members read it with user_id, anonymous readers get 404', async () => {
    // newUsers creates them concurrently: sort by id, the order of a direct room's name and members.
    const [first, second, outsider] = (await newUsers(3, 'dm')).sort((x, y) => x.id - y.id);
    const direct = await findOrCreateDirectRoom(first!, second!);

    const join = await http('PUT', `/chat/chatroom/${direct.id}/?user_id=${outsider!.id}`);
    expect(join.status).toBe(400);
    expect(join.body.code).toBe('direct_room');

    const read = await http('GET', `/chat/chatroom/${direct.id}/?user_id=${first!.id}`);
    expect(read.status).toBe(200);
    expect(read.body.data).toEqual({
      id: direct.id,
      room_name: `${first!.username} - ${second!.username}`,
      room_member: [{ username: first!.username }, { username: second!.username }],
      member_count: 2,
      is_direct: true,
      direct_peer: second!.id,
    });
    expect((await http('GET', `/chat/chatroom/${direct.id}/`)).status).toBe(404);
  });

  it('answers bad ids and bad bodies with problem+json 4xx, never 500', async () => {
    for (const [method, path] of [
      ['GET', '/chat/chatroom/abc/'],
      ['GET', '/chat/chatroom/-1/'],
      ['PUT', '/chat/chatroom/99999999999999999999/?user_id=1'],
      ['DELETE', '/chat/chatroom/1/?user_id=abc'],
      ['PUT', '/chat/chatroom/1/'],
      ['GET', '/chat/chatroom/?user_id=0'],
    ] as const) {
      const answer = await http(method, path);
      expect(answer.status, `${method} ${path}`).toBe(400);
      expect(answer.headers['content-type']).toContain('application/problem+json');
    }
    const malformed = await http('POST', '/chat/chatroom/', { body: '{"room_name":' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('malformed_json');
    expect((await http('GET', '/chat/chatroom/987654321000/')).status).toBe(404);
  });
});
