import { describe, expect, it } from 'vitest';
import { handler as roomsHandler } from '../../functions/chatroom-list.ts';
import { handler as unseenHandler } from '../../functions/messages-unseen.ts';
import { MAX_UNSEEN_PER_ROOM } from '../../lib/reading/service.ts';
import { dynamoUsage, resetDynamoUsage } from '../../lib/repository/client.ts';
import { getMembership } from '../../lib/rooms/service.ts';
import { invoke } from '../support/lambda.ts';
import { expectNoWrites } from '../messages/fixtures.ts';
import { newRoom, newUsers, range, sendStored, seqs, writeHistory, type TestUser } from './fixtures.ts';

const unseen = (userId: number | string, extra: Record<string, string> = {}) =>
  invoke(unseenHandler, { path: '/chat/messages/unseen/', query: { user_id: String(userId), ...extra } });

type UnseenRoom = { id: number; room_name: string; room_member: { username: string }[]; messages: { sequence: number; text: string; msg_from: { id: number } }[]; has_more: boolean };
const roomOf = (answer: { body: { data: UnseenRoom[] } }, roomId: number) => answer.body.data.find((room) => room.id === roomId);

describe('GET /chat/messages/unseen/', () => {
  it('lists a new message for a member who has not read it, then no longer; the sender never sees their own', async () => {
    const [sender, reader] = await newUsers(2, 'unseen');
    const room = await newRoom([sender!, reader!]);
    const quiet = await newRoom([reader!]);
    const sent = await sendStored(room.id, sender!.id, 'hi family');

    const first = await unseen(reader!.id);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 200, message: 'HTTP_200_OK' });
    // Every room of the user is listed, as in the seed, even without news.
    expect(first.body.data.map((r: UnseenRoom) => r.id).sort()).toEqual([room.id, quiet.id].sort());
    const members = [sender!, reader!].sort((a, b) => a.id - b.id).map(({ username }) => ({ username }));
    expect(roomOf(first, room.id)).toEqual({
      id: room.id,
      room_name: room.room_name,
      room_member: members,
      member_count: 2,
      is_direct: false,
      direct_peer: null,
      messages: [
        {
          id: `${room.id}-${sent.sequence}`,
          sequence: sent.sequence,
          room: { id: room.id, room_name: room.room_name },
          msg_from: { id: sender!.id, username: sender!.username },
          text: 'hi family',
          sent_at: expect.any(String),
        },
      ],
      has_more: false,
    });
    expect(roomOf(first, quiet.id)).toMatchObject({ messages: [], has_more: false });
    expect(await getMembership(room.id, reader!.id)).toMatchObject({ lastSeenSequence: sent.sequence });

    expect(roomOf(await unseen(reader!.id), room.id)!.messages).toEqual([]);
    expect(roomOf(await unseen(sender!.id), room.id)!.messages).toEqual([]);
  });

  it('never lists the user’s own messages, even interleaved with others’ above the watermark', async () => {
    const [alice, bob] = await newUsers(2, 'interleave');
    const room = await newRoom([alice!, bob!]);
    for (const from of [alice, bob, alice, alice, bob]) await sendStored(room.id, from!.id, `from ${from!.username}`);
    const forAlice = roomOf(await unseen(alice!.id), room.id)!;
    expect(seqs(forAlice.messages)).toEqual([2, 5]);
    expect(forAlice.messages.every((m) => m.msg_from.id === bob!.id)).toBe(true);
    expect(await getMembership(room.id, alice!.id)).toMatchObject({ lastSeenSequence: 5, ownAfterWatermark: [] });
    const forBob = roomOf(await unseen(bob!.id), room.id)!;
    expect(seqs(forBob.messages)).toEqual([1, 3, 4]);
  });

  it(`returns at most ${MAX_UNSEEN_PER_ROOM} per room, oldest first, says more remain, and advances only over what it returned`, async () => {
    const [reader, writer] = await newUsers(2, 'backlog');
    const room = await newRoom([reader!, writer!]);
    await writeHistory(room.id, 130, (sequence) => ({ senderId: writer!.id, text: `m${sequence}` }));

    const first = roomOf(await unseen(reader!.id), room.id)!;
    expect(seqs(first.messages)).toEqual(range(1, 100));
    expect(first.has_more).toBe(true);
    expect(await getMembership(room.id, reader!.id)).toMatchObject({ lastSeenSequence: 100 });
    const second = roomOf(await unseen(reader!.id), room.id)!;
    expect(seqs(second.messages)).toEqual(range(101, 130));
    expect(second.has_more).toBe(false);
  });

  it('for a user in 50 rooms of which 2 have news: 1 Query of GSI1, 2 BatchGetItem of META+membership+ROSTER, 2 Queries, 1 BatchGetItem of usernames, 2 UpdateItem', async () => {
    const [reader, writer] = await newUsers(2, 'fifty');
    const rooms: { id: number; room_name: string }[] = [];
    for (let start = 0; start < 50; start += 10) rooms.push(...(await Promise.all(Array.from({ length: 10 }, () => newRoom([reader!, writer!])))));
    const [one, two] = [rooms[7]!, rooms[31]!];
    await sendStored(one.id, writer!.id, 'news one');
    await sendStored(two.id, writer!.id, 'news two');
    await sendStored(rooms[12]!.id, reader!.id, 'my own: no news for me');

    resetDynamoUsage();
    const answer = await unseen(reader!.id);
    expect(answer.status).toBe(200);
    expect(dynamoUsage().byCommand).toEqual({ QueryCommand: 3, BatchGetItemCommand: 3, UpdateItemCommand: 2 });
    expect(answer.body.data).toHaveLength(50);
    const withNews = (answer.body.data as UnseenRoom[]).filter((room) => room.messages.length > 0);
    expect(withNews.map((room) => [room.id, room.messages.map((m) => m.text)])).toEqual(
      [
        [one.id, ['news one']],
        [two.id, ['news two']],
      ].sort((a, b) => (a[0] as number) - (b[0] as number)),
    );

    // Nothing new: no Query of messages and no write at all.
    resetDynamoUsage();
    expect((await unseen(reader!.id)).status).toBe(200);
    expect(dynamoUsage().byCommand).toEqual({ QueryCommand: 1, BatchGetItemCommand: 3 });
    expectNoWrites();
  });

  it('long polls: a wait=5 poll answers with a message stored while it waits, before its deadline', async () => {
    const [reader, writer] = await newUsers(2, 'poller');
    const room = await newRoom([reader!, writer!]);
    resetDynamoUsage();
    const poll = unseen(reader!.id, { wait: '5' });
    // Store the message only once the poll has read the rooms and polled again at least once.
    for (let tries = 0; (dynamoUsage().byCommand.BatchGetItemCommand ?? 0) < 2; tries++) {
      expect(tries).toBeLessThan(400);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(dynamoUsage().byCommand.QueryCommand).toBe(1); // the rooms of the user; no message Query yet
    const sent = await sendStored(room.id, writer!.id, 'are you there?');
    let deadlineTimer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      deadlineTimer = setTimeout(() => resolve('deadline'), 5000);
    });
    const first = await Promise.race([poll, deadline]);
    clearTimeout(deadlineTimer);
    expect(first).not.toBe('deadline');
    const answer = await poll;
    expect(answer.status).toBe(200);
    expect(roomOf(answer, room.id)!.messages.map((m) => [m.sequence, m.text])).toEqual([[sent.sequence, 'are you there?']]);
  });

  it('long polls: a wait=2 poll on a quiet room polls until its deadline and answers every room with no messages', async () => {
    const [reader] = await newUsers(1, 'quiet');
    const room = await newRoom([reader!]);
    resetDynamoUsage();
    const answer = await unseen(reader!.id, { wait: '2' });
    expect(answer.status).toBe(200);
    expect(answer.body.data).toEqual([{ id: room.id, room_name: room.room_name, room_member: [{ username: reader!.username }], member_count: 1, is_direct: false, direct_peer: null, messages: [], has_more: false }]);
    const { byCommand } = dynamoUsage();
    // The rooms of the user (1 Query), the first read, at least one more poll, the usernames; no message Query.
    expect(byCommand.QueryCommand).toBe(1);
    expect(byCommand.BatchGetItemCommand).toBeGreaterThanOrEqual(3);
    expectNoWrites();
  });

  it('answers a user in no room at once with an empty list; 404 to an unknown user; 400 to bad input, writing nothing', async () => {
    const [loner] = await newUsers(1, 'loner');
    expect((await unseen(loner!.id, { wait: '20' })).body).toEqual({ status: 200, message: 'HTTP_200_OK', data: [] });
    resetDynamoUsage();
    const unknown = await unseen(987_654_321);
    expect(unknown.status).toBe(404);
    expect(unknown.headers['Content-Type']).toBe('application/problem+json');
    expectNoWrites();
    for (const [query, field] of [
      [{}, 'user_id'],
      [{ user_id: 'abc' }, 'user_id'],
      [{ user_id: '-1' }, 'user_id'],
      [{ user_id: '99999999999999999999' }, 'user_id'],
      [{ user_id: String(loner!.id), wait: '21' }, 'wait'],
      [{ user_id: String(loner!.id), wait: 'soon' }, 'wait'],
    ] as [Record<string, string>, string][]) {
      resetDynamoUsage();
      const answer = await invoke(unseenHandler, { path: '/chat/messages/unseen/', query });
      expect(answer.status, JSON.stringify(query)).toBe(400);
      expect(answer.headers['Content-Type']).toBe('application/problem+json');
      expect(Object.keys(answer.body.errors)).toEqual([field]);
      expect(dynamoUsage().requests).toBe(0);
    }
  });
});

describe('GET /chat/chatroom/?user_id= — unread_count', () => {
  const rooms = (user: TestUser) => invoke(roomsHandler, { path: '/chat/chatroom/', query: { user_id: String(user.id) } });

  it('counts others’ messages after the watermark, never one’s own, with no extra request', async () => {
    const [alice, bob] = await newUsers(2, 'counts');
    const room = await newRoom([alice!, bob!]);
    const other = await newRoom([alice!]);
    for (const from of [bob, alice, bob, bob, alice]) await sendStored(room.id, from!.id);

    resetDynamoUsage();
    const listed = await rooms(alice!);
    expect(dynamoUsage().byCommand).toEqual({ QueryCommand: 1, BatchGetItemCommand: 2 });
    const count = (answer: typeof listed, roomId: number) => answer.body.data.find((r: { id: number }) => r.id === roomId).unread_count;
    expect(count(listed, room.id)).toBe(3);
    expect(count(listed, other.id)).toBe(0);
    expect(count(await rooms(bob!), room.id)).toBe(2);

    await unseen(alice!.id);
    expect(count(await rooms(alice!), room.id)).toBe(0);
    await sendStored(room.id, bob!.id);
    expect(count(await rooms(alice!), room.id)).toBe(1);
  });
});
