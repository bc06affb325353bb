import { describe, expect, it } from 'vitest';
import { handler as createHandler } from '../../functions/chatroom-create.ts';
import { handler as joinHandler } from '../../functions/chatroom-join.ts';
import { handler as leaveHandler } from '../../functions/chatroom-leave.ts';
import { handler as listHandler } from '../../functions/chatroom-list.ts';
import { getRoomState, roomMemberships } from '../../lib/repository/rooms.ts';
import { MAX_LISTED_MEMBERS } from '../../lib/rooms/model.ts';
import { invoke, uniqueName } from '../support/lambda.ts';
import { newUsers } from './fixtures.ts';

const roomPath = (id: number) => ({ path: `/chat/chatroom/${id}/`, pathParameters: { id: String(id) } });
const join = (roomId: number, userId: number) => invoke(joinHandler, { method: 'PUT', ...roomPath(roomId), query: { user_id: String(userId) } });
const leave = (roomId: number, userId: number) => invoke(leaveHandler, { method: 'DELETE', ...roomPath(roomId), query: { user_id: String(userId) } });

async function createRoom(usernames: string[]) {
  const answer = await invoke(createHandler, {
    method: 'POST',
    path: '/chat/chatroom/',
    body: { room_name: uniqueName('race'), room_member: usernames.map((username) => ({ username })) },
  });
  expect(answer.status).toBe(200);
  return answer.body.data as { id: number; room_name: string };
}

/**
 * A room's stored state agrees with itself: the roster's count = the membership items, and the
 * roster lists members only, as many as it may (all of them up to MAX_LISTED_MEMBERS).
 */
async function expectConsistent(roomId: number) {
  const { room, roster } = await getRoomState(roomId);
  const { members } = await roomMemberships(roomId, { withHistory: false });
  const memberIds = members.map((m) => m.userId).sort((a, b) => a - b);
  if (!room) {
    expect(roster).toBeUndefined();
    expect(memberIds).toEqual([]);
    return { deleted: true as const, memberIds };
  }
  expect(roster).toBeDefined();
  expect(roster!.memberCount).toBe(memberIds.length);
  expect(roster!.listedIds).toHaveLength(Math.min(memberIds.length, MAX_LISTED_MEMBERS));
  expect(memberIds).toEqual(expect.arrayContaining(roster!.listedIds));
  return { deleted: false as const, memberIds };
}

describe('rooms under concurrency (handler level, DynamoDB Local)', () => {
  it('20 parallel joins of one room give 20 members', async () => {
    const [owner, ...joiners] = await newUsers(21, 'crowd');
    const room = await createRoom([owner!.username]);

    const answers = await Promise.all(joiners.map((user) => join(room.id, user.id)));

    expect(answers.map((a) => a.status)).toEqual(joiners.map(() => 200));
    const state = await expectConsistent(room.id);
    expect(state.memberIds).toEqual([owner!, ...joiners].map((u) => u.id).sort((a, b) => a - b));
    expect(state.memberIds).toHaveLength(21);
    const { history } = await roomMemberships(room.id, { withHistory: true });
    expect(history.filter((e) => e.event === 'joined')).toHaveLength(21);
  });

  it('the same user joining 5 times in parallel becomes a member once', async () => {
    const [owner, joiner] = await newUsers(2, 'twice');
    const room = await createRoom([owner!.username]);
    const answers = await Promise.all(Array.from({ length: 5 }, () => join(room.id, joiner!.id)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 400, 400, 400, 400]);
    expect((await expectConsistent(room.id)).memberIds).toHaveLength(2);
  });

  it('racing creates of one name give one room', async () => {
    const room_name = uniqueName('samename');
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => invoke(createHandler, { method: 'POST', path: '/chat/chatroom/', body: { room_name } })),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 400)).toHaveLength(7);
    const listed = await invoke(listHandler, { path: '/chat/chatroom/' });
    expect(listed.body.data.filter((room: { room_name: string }) => room.room_name === room_name)).toHaveLength(1);
  });

  it('a last leave racing a join leaves either a deleted, empty room or the joiner as its only member', async () => {
    for (let round = 0; round < 8; round++) {
      const [last, joiner] = await newUsers(2, 'lastleave');
      const room = await createRoom([last!.username]);

      const [left, joined] = await Promise.all([leave(room.id, last!.id), join(room.id, joiner!.id)]);

      expect(left.status).toBe(204);
      expect([200, 404]).toContain(joined.status);
      const state = await expectConsistent(room.id);
      if (joined.status === 200) {
        expect(state).toEqual({ deleted: false, memberIds: [joiner!.id] });
        expect((await getRoomState(room.id)).roster?.memberCount).toBe(1);
      } else {
        expect(state).toEqual({ deleted: true, memberIds: [] });
      }
    }
  });

  it('two members leaving at once delete the room exactly once, leaving nothing behind', async () => {
    for (let round = 0; round < 5; round++) {
      const [a, b] = await newUsers(2, 'bothleave');
      const room = await createRoom([a!.username, b!.username]);
      const answers = await Promise.all([leave(room.id, a!.id), leave(room.id, b!.id)]);
      expect(answers.map((x) => x.status)).toEqual([204, 204]);
      expect(await expectConsistent(room.id)).toEqual({ deleted: true, memberIds: [] });
    }
  });

  it('the same member leaving twice at once: one 204, the other "not a member" (400) or "no such room" (404)', async () => {
    const [a] = await newUsers(1, 'doubleleave');
    const room = await createRoom([a!.username]);
    const answers = await Promise.all([leave(room.id, a!.id), leave(room.id, a!.id)]);
    const [first, second] = answers.map((x) => x.status).sort();
    expect(first).toBe(204);
    expect([400, 404]).toContain(second);
    expect(await expectConsistent(room.id)).toEqual({ deleted: true, memberIds: [] });
  });
});
