import { GetCommand } from '../../lib/aws/dynamodb.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as getHandler } from '../../functions/chatroom-get.ts';
import { handler as joinHandler } from '../../functions/chatroom-join.ts';
import { handler as leaveHandler } from '../../functions/chatroom-leave.ts';
import { handler as listHandler } from '../../functions/chatroom-list.ts';
import { handler as membersHandler } from '../../functions/chatroom-members.ts';
import { handler as historyHandler } from '../../functions/messages-list.ts';
import { handler as unseenHandler } from '../../functions/messages-unseen.ts';
import { ddb, dynamoUsage, resetDynamoUsage, tables } from '../../lib/repository/client.ts';
import { keys } from '../../lib/repository/keys.ts';
import { getRoomState, roomMemberships } from '../../lib/repository/rooms.ts';
import { MAX_LISTED_MEMBERS } from '../../lib/rooms/model.ts';
import { invoke, type HttpCall } from '../support/lambda.ts';
import { sendStored } from '../reading/fixtures.ts';
import { newUser, seedBigRoom } from './fixtures.ts';

/**
 * A room of 5,000 members: every request keeps the request count it has in a small room (asserted
 * exactly, as test/rooms/rooms-usage.test.ts does), no item grows with the room, and the answers
 * list at most MAX_LISTED_MEMBERS members with the count of all of them.
 */
const MEMBERS = 5000;
type Handler = Parameters<typeof invoke>[0];

async function counted(handler: Handler, call: HttpCall, status = 200) {
  resetDynamoUsage();
  const answer = await invoke(handler, call);
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  return { answer, byCommand: dynamoUsage().byCommand };
}

const roomPath = (id: number) => ({ path: `/chat/chatroom/${id}/`, pathParameters: { id: String(id) } });
const user = (id: number) => ({ user_id: String(id) });

let roomId: number;
let owner: { id: number; username: string };
let members: { id: number; username: string }[];
let removeCrowd: () => Promise<void>;

beforeAll(async () => {
  ({ roomId, owner, members, removeCrowd } = await seedBigRoom(MEMBERS));
}, 120_000);

afterAll(() => removeCrowd?.(), 120_000);

describe(`a room of ${MEMBERS} members`, () => {
  it('is counted, not listed: the ROSTER holds the count and 50 ids, and stays small', async () => {
    const { roster } = await getRoomState(roomId);
    expect(roster?.memberCount).toBe(MEMBERS);
    expect(roster?.listedIds).toHaveLength(MAX_LISTED_MEMBERS);
    const { Item } = await ddb.send(new GetCommand({ TableName: tables.chat, Key: keys.roster(roomId) }));
    expect(JSON.stringify(Item).length).toBeLessThan(2048);
  });

  it('a join costs 1 BatchGetItem + 1 TransactWriteItems, as in a small room', async () => {
    const joiner = await newUser('bigjoin');
    const { byCommand } = await counted(joinHandler, { method: 'PUT', ...roomPath(roomId), query: user(joiner.id) });
    expect(byCommand).toEqual({ BatchGetItemCommand: 1, TransactWriteItemsCommand: 1 });
    const { roster } = await getRoomState(roomId);
    expect(roster).toMatchObject({ memberCount: MEMBERS + 1 });
    expect(roster?.listedIds).toHaveLength(MAX_LISTED_MEMBERS);
    expect((await counted(leaveHandler, { method: 'DELETE', ...roomPath(roomId), query: user(joiner.id) }, 204)).byCommand).toEqual({
      BatchGetItemCommand: 1,
      TransactWriteItemsCommand: 1,
    });
  });

  it('reading the room lists 50 members and the count, in 2 BatchGetItem', async () => {
    const { answer, byCommand } = await counted(getHandler, { ...roomPath(roomId), query: user(members[4000]!.id) });
    expect(byCommand).toEqual({ BatchGetItemCommand: 2 });
    expect(answer.body.data.room_member).toHaveLength(MAX_LISTED_MEMBERS);
    expect(answer.body.data.member_count).toBe(MEMBERS);
  });

  it('a history page costs 2 BatchGetItem + 1 Query + 1 UpdateItem: only the senders’ and listed members’ usernames', async () => {
    const [a, b] = [members[10]!, members[4999 - 1]!];
    for (const sender of [a, b, a]) await sendStored(roomId, sender.id, `from ${sender.username}`);
    const reader = members[2500]!;
    const { answer, byCommand } = await counted(historyHandler, { path: `/chat/messages/${roomId}/`, pathParameters: { room_id: String(roomId) }, query: user(reader.id) });
    expect(byCommand).toEqual({ BatchGetItemCommand: 2, QueryCommand: 1, UpdateItemCommand: 1 });
    expect(answer.body.data.messages.map((m: { msg_from: { username: string } }) => m.msg_from.username)).toEqual([a, b, a].map((u) => u.username));
    expect(answer.body.data).toMatchObject({ member_count: MEMBERS });
    expect(answer.body.data.room_member).toHaveLength(MAX_LISTED_MEMBERS);

    const seenBy = await counted(historyHandler, { path: `/chat/messages/${roomId}/`, pathParameters: { room_id: String(roomId) }, query: { ...user(reader.id), seen_by: '1' } }, 400);
    expect(seenBy.answer.body.errors).toHaveProperty('seen_by');
  });

  it('unread counts in the room list and unseen messages keep their request counts', async () => {
    const reader = members[3000]!;
    const listed = await counted(listHandler, { path: '/chat/chatroom/', query: user(reader.id) });
    expect(listed.byCommand).toEqual({ QueryCommand: 1, BatchGetItemCommand: 2 });
    const room = listed.answer.body.data.find((r: { id: number }) => r.id === roomId);
    expect(room).toMatchObject({ member_count: MEMBERS, unread_count: 3 });
    expect(room.room_member).toHaveLength(MAX_LISTED_MEMBERS);

    const unseen = await counted(unseenHandler, { path: '/chat/messages/unseen/', query: user(reader.id) });
    // Rooms of the user (GSI1) + META/ROSTER/membership + the news Query + usernames + the watermark.
    expect(unseen.byCommand).toEqual({ QueryCommand: 2, BatchGetItemCommand: 2, UpdateItemCommand: 1 });
    expect(unseen.answer.body.data.find((r: { id: number }) => r.id === roomId).messages).toHaveLength(3);
  });

  it('a listed member leaving is replaced by an unlisted one: 1 BatchGetItem + 1 Query + 1 TransactWriteItems', async () => {
    const listedBefore = (await getRoomState(roomId)).roster!.listedIds;
    const leaver = listedBefore.find((id) => id !== owner.id)!;
    const { byCommand } = await counted(leaveHandler, { method: 'DELETE', ...roomPath(roomId), query: user(leaver) }, 204);
    expect(byCommand).toEqual({ BatchGetItemCommand: 1, QueryCommand: 1, TransactWriteItemsCommand: 1 });
    const { roster } = await getRoomState(roomId);
    expect(roster?.memberCount).toBe(MEMBERS - 1);
    expect(roster?.listedIds).toHaveLength(MAX_LISTED_MEMBERS);
    expect(roster?.listedIds).not.toContain(leaver);
    const { memberships } = await getRoomState(roomId, { memberIds: roster!.listedIds });
    expect(memberships.size).toBe(MAX_LISTED_MEMBERS);
    expect((await counted(joinHandler, { method: 'PUT', ...roomPath(roomId), query: user(leaver) })).byCommand).toEqual({ BatchGetItemCommand: 1, TransactWriteItemsCommand: 1 });
  });

  it('GET /members/ pages through all of them: 50 per page, 1 Query + 1 BatchGetItem each', async () => {
    const seen: number[] = [];
    let after: number | null = 0;
    for (let page = 0; page < 6 && after !== null; page++) {
      const { answer, byCommand } = await counted(membersHandler, {
        path: `/chat/chatroom/${roomId}/members/`,
        pathParameters: { id: String(roomId) },
        query: { ...user(owner.id), after: String(after) },
      });
      expect(byCommand).toEqual({ QueryCommand: 1, BatchGetItemCommand: 1 });
      expect(answer.body.data.members).toHaveLength(50);
      expect(answer.body.data.member_count).toBe(MEMBERS);
      seen.push(...answer.body.data.members.map((m: { id: number }) => m.id));
      after = answer.body.data.page.next;
    }
    expect(seen).toEqual([...seen].sort((x, y) => x - y));
    expect(new Set(seen).size).toBe(300);
    const all = (await roomMemberships(roomId, { withHistory: false })).members.map((m) => m.userId);
    expect(seen).toEqual(all.slice(0, 300));
  });
});
