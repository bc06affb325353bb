import { describe, expect, it } from 'vitest';
import { handler as listHandler } from '../../functions/messages-list.ts';
import { readRoomMessages } from '../../lib/reading/service.ts';
import { RECENT_SENDERS } from '../../lib/reading/unread.ts';
import { dynamoUsage, resetDynamoUsage } from '../../lib/repository/client.ts';
import { MAX_SEQUENCE } from '../../lib/repository/keys.ts';
import { queryMessageRange } from '../../lib/repository/messages.ts';
import { getMembership } from '../../lib/rooms/service.ts';
import { invoke } from '../support/lambda.ts';
import { expectNoWrites } from '../messages/fixtures.ts';
import { newRoom, newUsers, range, sendStored, seqs, writeHistory } from './fixtures.ts';

const read = (roomId: number | string, query: Record<string, string>) =>
  invoke(listHandler, { path: `/chat/messages/${roomId}/`, pathParameters: { room_id: String(roomId) }, query });

/** Pages a room through the handler; every page must cost exactly one Query. */
async function pageAll(roomId: number, userId: number, direction: 'backwards' | 'forwards', limit: number) {
  const seen: number[] = [];
  let cursor: Record<string, string> = direction === 'forwards' ? { after: '0' } : {};
  for (let pages = 1; pages <= 1000; pages++) {
    resetDynamoUsage();
    const answer = await invoke(listHandler, {
      path: `/chat/messages/${roomId}/`,
      pathParameters: { room_id: String(roomId) },
      query: { user_id: String(userId), limit: String(limit), ...cursor },
    });
    expect(answer.status).toBe(200);
    const { byCommand } = dynamoUsage();
    expect(byCommand.QueryCommand).toBe(1);
    expect(byCommand.BatchGetItemCommand).toBe(2);
    const { messages, page } = answer.body.data;
    expect(messages.length).toBeLessThanOrEqual(limit);
    if (direction === 'forwards') {
      seen.push(...seqs(messages));
      if (page.next === null) return { seen, pages };
      cursor = { after: String(page.next) };
    } else {
      seen.unshift(...seqs(messages));
      if (page.prev === null) return { seen, pages };
      cursor = { before: String(page.prev) };
    }
  }
  throw new Error('paging did not end');
}

describe('GET /chat/messages/:room_id/ — history pages', () => {
  it('pages a 1,000-message room 100 at a time, forwards and backwards: every message exactly once, in order, one Query per page', async () => {
    const [reader, writer] = await newUsers(2, 'pager');
    const room = await newRoom([reader!, writer!]);
    await writeHistory(room.id, 1000, (sequence) => ({ senderId: writer!.id, text: `message ${sequence}` }));

    const backwards = await pageAll(room.id, reader!.id, 'backwards', 100);
    expect(backwards.seen).toEqual(range(1, 1000));
    expect(backwards.pages).toBe(10);
    const forwards = await pageAll(room.id, reader!.id, 'forwards', 100);
    expect(forwards.seen).toEqual(range(1, 1000));
    // The 10th page finds 100 items and no 101st: nothing more after it.
    expect(forwards.pages).toBe(10);
  });

  it('pages a room of 300 messages of ~3.5 KB (over 1 MB): DynamoDB cuts a Query at 1 MB and no message is lost', async () => {
    const [reader, writer] = await newUsers(2, 'bulky');
    const room = await newRoom([reader!, writer!]);
    const bulk = 'x'.repeat(3500);
    await writeHistory(room.id, 300, (sequence) => ({ senderId: writer!.id, text: `${sequence} ${bulk}` }));

    // The repository's Query, asked for all 300 at once, is stopped by DynamoDB's 1 MB page first.
    const whole = await queryMessageRange(room.id, { from: 1, to: MAX_SEQUENCE, newestFirst: false, limit: 300 });
    expect(whole.cut).toBe(true);
    expect(whole.messages.length).toBeLessThan(300);
    expect(seqs(whole.messages)).toEqual(range(1, whole.messages.length));

    // The service with pages of 300 (above the API's 100, so the 1 MB cut, not Limit, ends pages).
    for (const direction of ['backwards', 'forwards'] as const) {
      const seen: number[] = [];
      let cut = 0;
      let request: { limit: number; before?: number; after?: number } = direction === 'forwards' ? { limit: 300, after: 0 } : { limit: 300 };
      for (let pages = 0; ; pages++) {
        expect(pages).toBeLessThan(10);
        const { messages, page } = await readRoomMessages(room.id, reader!.id, request, { seenBy: false });
        const more = direction === 'forwards' ? page.has_more_after : page.has_more_before;
        if (more && messages.length < 300) cut += 1;
        if (direction === 'forwards') seen.push(...seqs(messages));
        else seen.unshift(...seqs(messages));
        const cursor = direction === 'forwards' ? page.next : page.prev;
        if (cursor === null) break;
        request = direction === 'forwards' ? { limit: 300, after: cursor } : { limit: 300, before: cursor };
      }
      expect(cut, direction).toBeGreaterThan(0);
      expect(seen, direction).toEqual(range(1, 300));
    }

    // And through the API, 100 at a time (350 KB per page).
    expect((await pageAll(room.id, reader!.id, 'backwards', 100)).seen).toEqual(range(1, 300));
    expect((await pageAll(room.id, reader!.id, 'forwards', 100)).seen).toEqual(range(1, 300));
  });

  it('answers the newest page in the seed’s shape plus page cursors, and costs 2 BatchGetItem + 1 Query + 1 UpdateItem', async () => {
    const [reader, writer] = await newUsers(2, 'shape');
    const room = await newRoom([reader!, writer!]);
    await writeHistory(room.id, 60, (sequence) => ({ senderId: sequence % 2 === 0 ? reader!.id : writer!.id, text: `m${sequence}` }));

    resetDynamoUsage();
    const answer = await read(room.id, { user_id: String(reader!.id) });
    expect(dynamoUsage().byCommand).toEqual({ BatchGetItemCommand: 2, QueryCommand: 1, UpdateItemCommand: 1 });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ status: 200, message: 'HTTP_200_OK' });
    const { data } = answer.body;
    expect(Object.keys(data).sort()).toEqual(['direct_peer', 'id', 'is_direct', 'member_count', 'messages', 'page', 'room_member', 'room_name']);
    const members = [reader!, writer!].sort((x, y) => x.id - y.id);
    expect(data).toMatchObject({ id: room.id, room_name: room.room_name, room_member: members.map((u) => ({ username: u.username })) });
    expect(data.page).toEqual({ limit: 50, prev: 11, next: null, has_more_before: true, has_more_after: false });
    expect(seqs(data.messages)).toEqual(range(11, 60));
    expect(data.messages[0]).toEqual({
      id: `${room.id}-11`,
      sequence: 11,
      room: { id: room.id, room_name: room.room_name },
      msg_from: { id: writer!.id, username: writer!.username },
      text: 'm11',
      sent_at: '2026-01-01T00:00:11.000Z',
    });
    expect(data.messages[1].msg_from).toEqual({ id: reader!.id, username: reader!.username });
  });

  it('marks what it returns seen: the watermark moves to the newest message read, never back', async () => {
    const [reader, writer] = await newUsers(2, 'marker');
    const room = await newRoom([reader!, writer!]);
    await writeHistory(room.id, 30, (sequence) => ({ senderId: writer!.id, text: `m${sequence}` }));
    const query = (extra: Record<string, string>) => read(room.id, { user_id: String(reader!.id), ...extra });

    expect((await query({ limit: '10', after: '0' })).status).toBe(200);
    expect(await getMembership(room.id, reader!.id)).toMatchObject({ lastSeenSequence: 10 });
    expect((await query({})).status).toBe(200);
    expect(await getMembership(room.id, reader!.id)).toMatchObject({ lastSeenSequence: 30 });

    resetDynamoUsage();
    expect((await query({ limit: '5', before: '12' })).status).toBe(200);
    expect(dynamoUsage().byCommand).toEqual({ BatchGetItemCommand: 2, QueryCommand: 1 });
    expect(await getMembership(room.id, reader!.id)).toMatchObject({ lastSeenSequence: 30 });
  });

  it('prunes the reader’s own messages below the new watermark, and keeps one the consumer lists during the read', async () => {
    const [reader, writer] = await newUsers(2, 'own');
    const room = await newRoom([reader!, writer!]);
    // 2 and 6 are the reader's, sent while their watermark was 0; the rest the writer's.
    for (let sequence = 1; sequence <= RECENT_SENDERS + 1; sequence++) await sendStored(room.id, sequence === 2 || sequence === 6 ? reader!.id : writer!.id);
    expect(await getMembership(room.id, reader!.id)).toMatchObject({ lastSeenSequence: 0, ownAfterWatermark: [] });

    const { markSeen } = await import('../../lib/reading/mark-seen.ts');
    const stale = (await getMembership(room.id, reader!.id))!;
    // This one pushes 2 out of the room's recent senders: the consumer lists 2 and 6 in the reader's membership.
    await sendStored(room.id, writer!.id);
    expect(await getMembership(room.id, reader!.id)).toMatchObject({ lastSeenSequence: 0, ownAfterWatermark: [2, 6] });
    // Seen up to 3 with the stale read state: the condition fails, it re-reads, and 6 stays listed.
    expect(await markSeen(room.id, reader!.id, stale, 3)).toEqual({ lastSeenSequence: 3, ownAfterWatermark: [6] });
    expect(await getMembership(room.id, reader!.id)).toMatchObject({ lastSeenSequence: 3, ownAfterWatermark: [6] });

    expect((await read(room.id, { user_id: String(reader!.id) })).status).toBe(200);
    expect(await getMembership(room.id, reader!.id)).toMatchObject({ lastSeenSequence: RECENT_SENDERS + 2, ownAfterWatermark: [] });
  });

  it('keeps the highest watermark when readers of different pages race', async () => {
    const [reader, writer] = await newUsers(2, 'racer');
    const room = await newRoom([reader!, writer!]);
    await writeHistory(room.id, 40, (sequence) => ({ senderId: writer!.id, text: `m${sequence}` }));
    const answers = await Promise.all(
      ['10', '20', '30', '40', '5', '15', '25', '35'].map((before) => read(room.id, { user_id: String(reader!.id), limit: '5', before })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    expect(await getMembership(room.id, reader!.id)).toMatchObject({ lastSeenSequence: 39 });
  });

  it('adds seen_by from the members’ watermarks: one more Query, of the room’s memberships', async () => {
    const [alice, bob, carol] = await newUsers(3, 'seen');
    const room = await newRoom([alice!, bob!, carol!]);
    await sendStored(room.id, alice!.id); // 1
    await sendStored(room.id, bob!.id); // 2
    await sendStored(room.id, alice!.id); // 3
    expect((await read(room.id, { user_id: String(carol!.id), limit: '1', before: '3' })).status).toBe(200); // carol saw up to 2

    resetDynamoUsage();
    const answer = await read(room.id, { user_id: String(bob!.id), seen_by: '1' });
    expect(dynamoUsage().byCommand).toEqual({ BatchGetItemCommand: 2, QueryCommand: 2, UpdateItemCommand: 1 });
    const byName = (...users: { id: number; username: string }[]) => users.sort((x, y) => x.id - y.id).map((u) => ({ id: u.id, username: u.username }));
    // Bob reads now, so he has seen all three; Alice's watermark is 1 (her own 3 sits above it);
    // a sender is never in their own message's seen_by.
    expect(answer.body.data.messages.map((m: { sequence: number; seen_by: unknown }) => [m.sequence, m.seen_by])).toEqual([
      [1, byName(bob!, carol!)],
      [2, byName(carol!)],
      [3, byName(bob!)],
    ]);
    expect((await read(room.id, { user_id: String(bob!.id) })).body.data.messages[0]).not.toHaveProperty('seen_by');
  });

  it('answers 404 to a non-member, an unknown user and an unknown room, and writes nothing', async () => {
    const [member, outsider] = await newUsers(2, 'outsider');
    const room = await newRoom([member!]);
    await writeHistory(room.id, 3, () => ({ senderId: member!.id, text: 'private' }));
    for (const [roomId, userId, what] of [
      [room.id, outsider!.id, 'Room'],
      [room.id, 987_654_321, 'User'],
      [987_654_321, member!.id, 'Room'],
    ] as const) {
      resetDynamoUsage();
      const answer = await read(roomId, { user_id: String(userId) });
      expect(answer.status).toBe(404);
      expect(answer.headers['Content-Type']).toBe('application/problem+json');
      expect(answer.body).toMatchObject({ status: 404, code: 'not_found', detail: expect.stringContaining(what) });
      expect(dynamoUsage().byCommand).toEqual({ BatchGetItemCommand: 1 });
    }
  });

  it('answers 400 to bad room ids, user ids and paging parameters, before touching DynamoDB', async () => {
    const [member] = await newUsers(1, 'bad');
    const room = await newRoom([member!]);
    const good = { user_id: String(member!.id) };
    const cases: [string | number, Record<string, string>, string][] = [
      ['abc', good, 'room_id'],
      ['-1', good, 'room_id'],
      ['0', good, 'room_id'],
      ['99999999999999999999', good, 'room_id'],
      [room.id, {}, 'user_id'],
      [room.id, { user_id: 'abc' }, 'user_id'],
      [room.id, { user_id: '0' }, 'user_id'],
      [room.id, { ...good, limit: '101' }, 'limit'],
      [room.id, { ...good, limit: '0' }, 'limit'],
      [room.id, { ...good, before: 'x' }, 'before'],
      [room.id, { ...good, after: '-3' }, 'after'],
      [room.id, { ...good, seen_by: 'maybe' }, 'seen_by'],
    ];
    for (const [roomId, query, field] of cases) {
      resetDynamoUsage();
      const answer = await read(roomId, query);
      expect(answer.status, `${roomId} ${JSON.stringify(query)}`).toBe(400);
      expect(answer.headers['Content-Type']).toBe('application/problem+json');
      expect(Object.keys(answer.body.errors)).toEqual([field]);
      expect(dynamoUsage().requests).toBe(0);
      expectNoWrites();
    }
  });
});
