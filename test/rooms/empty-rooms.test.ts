import { GetCommand } from '../../lib/aws/dynamodb.ts';
import { describe, expect, it } from 'vitest';
import { handler as createHandler } from '../../functions/chatroom-create.ts';
import { handler as getHandler } from '../../functions/chatroom-get.ts';
import { handler as joinHandler } from '../../functions/chatroom-join.ts';
import { ddb, tables } from '../../lib/repository/client.ts';
import { nextId } from '../../lib/repository/counters.ts';
import { keys } from '../../lib/repository/keys.ts';
import { getRoomState, insertGroupRoom } from '../../lib/repository/rooms.ts';
import { EMPTY_ROOM_NAME_HOLD_MS } from '../../lib/rooms/model.ts';
import { invoke, uniqueName } from '../support/lambda.ts';
import { newUser } from './fixtures.ts';

/**
 * A room created with no members (the seed allows it) must not hold its name forever: nobody can
 * leave it, so no last leave would ever delete it. It holds its name 24 h for someone to join;
 * after that, a create of the same name deletes it and takes the name (docs/rooms.md).
 */
const create = (room_name: string) => invoke(createHandler, { method: 'POST', path: '/chat/chatroom/', body: { room_name } });
const roomPath = (id: number) => ({ path: `/chat/chatroom/${id}/`, pathParameters: { id: String(id) } });
const join = (roomId: number, userId: number) => invoke(joinHandler, { method: 'PUT', ...roomPath(roomId), query: { user_id: String(userId) } });

/** An empty room as `create` would have made it, `ageMs` ago. */
async function emptyRoomCreated(ageMs: number) {
  const room = { id: await nextId('ROOM'), room_name: uniqueName('empty'), is_direct: false, lastSequence: 0 };
  expect((await insertGroupRoom(room, [], new Date(Date.now() - ageMs).toISOString())).outcome).toBe('created');
  return room;
}

const claimOf = async (name: string) => (await ddb.send(new GetCommand({ TableName: tables.chat, Key: keys.roomName(name), ConsistentRead: true }))).Item?.roomId;

describe('a room created with no members', () => {
  it('holds its name while young: the name is taken (400) and the room can be joined', async () => {
    const answer = await create(uniqueName('fresh'));
    expect(answer.body.data).toMatchObject({ room_member: [], member_count: 0 });
    expect((await create(answer.body.data.room_name)).status).toBe(400);
    const joiner = await newUser('lobby');
    expect((await join(answer.body.data.id, joiner.id)).status).toBe(200);
  });

  it(`gives its name up after ${EMPTY_ROOM_NAME_HOLD_MS / 3_600_000} h: a create of the name deletes it and takes the name`, async () => {
    const old = await emptyRoomCreated(EMPTY_ROOM_NAME_HOLD_MS + 60_000);
    const answer = await create(old.room_name);
    expect(answer.status).toBe(200);
    expect(answer.body.data.id).not.toBe(old.id);
    expect(await claimOf(old.room_name)).toBe(answer.body.data.id);
    expect(await getRoomState(old.id)).toEqual({ userExists: false, memberships: new Map() });
    expect((await invoke(getHandler, roomPath(old.id))).status).toBe(404);
    const late = await newUser('late');
    expect((await join(old.id, late.id)).status).toBe(404);
  });

  it('keeps its name if it was joined, however old', async () => {
    const old = await emptyRoomCreated(EMPTY_ROOM_NAME_HOLD_MS + 60_000);
    const joiner = await newUser('keeper');
    expect((await join(old.id, joiner.id)).status).toBe(200);
    expect((await create(old.room_name)).status).toBe(400);
    expect(await claimOf(old.room_name)).toBe(old.id);
  });

  it('a join racing the create that takes its name: either the joiner keeps the room (the create is 400) or the room is gone (the join is 404)', async () => {
    for (let round = 0; round < 6; round++) {
      const old = await emptyRoomCreated(EMPTY_ROOM_NAME_HOLD_MS + 60_000);
      const joiner = await newUser('racer');
      const [joined, created] = await Promise.all([join(old.id, joiner.id), create(old.room_name)]);
      const state = await getRoomState(old.id);
      if (joined.status === 200) {
        expect(created.status).toBe(400);
        expect(state.roster?.memberCount).toBe(1);
        expect(await claimOf(old.room_name)).toBe(old.id);
      } else {
        expect(joined.status).toBe(404);
        expect(created.status).toBe(200);
        expect(state.room).toBeUndefined();
        expect(await claimOf(old.room_name)).toBe(created.body.data.id);
      }
    }
  });
});
