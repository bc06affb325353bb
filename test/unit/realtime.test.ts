import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';
import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { compileFilter } from '../../local/event-filter.ts';
import { chatStreamMapping } from '../../local/stream-poller.ts';
import { admitConnection, CONNECTION_LIFETIME_MS, MAX_CONNECTIONS_PER_USER } from '../../lib/realtime/connections.ts';
import { planRoomDeliveries, recipientsOf } from '../../lib/realtime/fanout-plan.ts';
import { messageFrame } from '../../lib/realtime/frames.ts';
import { RoomFeed, type HistoryPage } from '../../lib/realtime/resume.ts';
import { roomEventsOf, type RoomEvent } from '../../lib/realtime/stream-events.ts';
import { IntervalThrottle } from '../../lib/realtime/throttle.ts';
import { toReadMessage } from '../../lib/reading/model.ts';
import { keys } from '../../lib/repository/keys.ts';

// ---------- stream records, as Lambda hands them over ----------

let recordCounter = 0;
function record(eventName: 'INSERT' | 'MODIFY' | 'REMOVE', key: { PK: string; SK: string }, images: { old?: object; new?: object }): DynamoDBRecord {
  const image = (item: object | undefined) => (item ? (marshall({ ...key, ...item }) as Record<string, AttributeValue>) : undefined);
  return {
    eventName,
    eventSource: 'aws:dynamodb',
    dynamodb: {
      Keys: marshall(key) as Record<string, AttributeValue>,
      SequenceNumber: String(++recordCounter).padStart(21, '0'),
      ...(images.new ? { NewImage: image(images.new) } : {}),
      ...(images.old ? { OldImage: image(images.old) } : {}),
    },
  };
}
const message = (roomId: number, sequence: number, senderId: number) =>
  record('INSERT', keys.message(roomId, sequence), { new: { type: 'message', roomId, sequence, senderId, text: `m${sequence}`, sentAt: '2026-01-01T00:00:00.000Z', taskId: `t${sequence}` } });
const member = (roomId: number, userId: number, lastSeenSequence: number) => ({ type: 'member', roomId, userId, joinedAt: 'x', lastSeenSequence, ownAfterWatermark: [] });
const joined = (roomId: number, userId: number) => record('INSERT', keys.member(roomId, userId), { new: member(roomId, userId, 0) });
const left = (roomId: number, userId: number) => record('REMOVE', keys.member(roomId, userId), { old: member(roomId, userId, 0) });
const watermark = (roomId: number, userId: number, from: number, to: number) =>
  record('MODIFY', keys.member(roomId, userId), { old: member(roomId, userId, from), new: member(roomId, userId, to) });

describe('roomEventsOf (the chat stream, read by the fan-out)', () => {
  it('turns message inserts, membership inserts and removals, and watermark moves into events, in stream order', () => {
    const events = roomEventsOf([joined(7, 2), message(7, 1, 1), watermark(7, 2, 0, 1), left(7, 2)]);
    expect(events.map((e) => [e.kind, e.roomId])).toEqual([['joined', 7], ['message', 7], ['read', 7], ['left', 7]]);
    expect(events[1]).toMatchObject({ kind: 'message', message: { roomId: 7, sequence: 1, senderId: 1, text: 'm1' } });
    expect(events[2]).toMatchObject({ kind: 'read', userId: 2, lastSeenSequence: 1 });
  });

  it('ignores a member item whose watermark did not move, and items that are neither messages nor memberships', () => {
    const ownListed = record('MODIFY', keys.member(7, 1), { old: member(7, 1, 3), new: { ...member(7, 1, 3), ownAfterWatermark: [5] } });
    const meta = record('MODIFY', keys.room(7), { old: { lastSequence: 4 }, new: { lastSequence: 5 } });
    const connection = record('INSERT', keys.connection('abc'), { new: { userId: 1 } });
    expect(roomEventsOf([ownListed, meta, connection])).toEqual([]);
  });

  it('sends no read receipt for a watermark moved by its member’s own message in the same batch (the message frame says it)', () => {
    const events = roomEventsOf([message(7, 5, 1), watermark(7, 1, 4, 5), watermark(7, 2, 4, 5)]);
    expect(events.map((e) => [e.kind, 'userId' in e ? e.userId : undefined])).toEqual([['message', undefined], ['read', 2]]);
  });
});

describe('the chat stream filter (infra/definitions.json, applied by Lambda and by the local poller)', () => {
  const keep = compileFilter(chatStreamMapping().FilterPatterns);

  it('keeps message inserts and every membership change', () => {
    for (const r of [message(1, 1, 1), joined(1, 2), left(1, 2), watermark(1, 2, 0, 1)]) expect(keep(r)).toBe(true);
  });

  it('drops everything else: message rewrites, room META, connections, users', () => {
    const rewrite = record('MODIFY', keys.message(1, 1), { old: { text: 'a' }, new: { text: 'b' } });
    for (const r of [rewrite, record('MODIFY', keys.room(1), { new: {} }), record('INSERT', keys.connection('c'), { new: {} }), record('REMOVE', keys.connectionsOfUser(1), { old: {} }), record('INSERT', keys.user(1), { new: {} })]) {
      expect(keep(r)).toBe(false);
    }
  });

  it('refuses a pattern operator it does not implement, rather than matching nothing', () => {
    expect(() => compileFilter([{ dynamodb: { Keys: { SK: { S: [{ suffix: '#x' }] } } } }])).toThrow(/unsupported matcher/);
    expect(compileFilter([{ a: [{ exists: false }] }])({ b: 1 })).toBe(true);
    expect(compileFilter([{ a: [{ 'anything-but': ['x'] }] }])({ a: 'y' })).toBe(true);
    expect(compileFilter([{ a: [{ 'anything-but': ['x'] }] }])({ a: 'x' })).toBe(false);
  });
});

describe('planRoomDeliveries', () => {
  const connection = (connectionId: string, userId: number) => ({ connectionId, userId, connectedAt: 0 });
  const audience = {
    roomId: 7,
    roomName: 'seven',
    memberIds: [1, 2],
    connections: [connection('a1', 1), connection('a2', 1), connection('b', 2), connection('x', 9)],
    usernames: new Map([[1, 'alice'], [2, 'bob'], [9, 'xavier']]),
  };

  it('gives every connection of every current member every frame, in order, and nobody else anything', () => {
    const events = roomEventsOf([message(7, 1, 1), message(7, 2, 2)]);
    const deliveries = planRoomDeliveries(events, audience);
    expect(deliveries.map((d) => d.connection.connectionId).sort()).toEqual(['a1', 'a2', 'b']);
    for (const d of deliveries) expect(d.frames.map((f) => (f.type === 'message' ? f.sequence : -1))).toEqual([1, 2]);
  });

  it('the message frame carries exactly the history view of the message', () => {
    const [event] = roomEventsOf([message(7, 3, 2)]) as [Extract<RoomEvent, { kind: 'message' }>];
    const [delivery] = planRoomDeliveries([event], { ...audience, connections: [connection('b', 2)] });
    const view = toReadMessage(event.message, { id: 7, room_name: 'seven' }, (id) => ({ id, username: audience.usernames.get(id) ?? null }));
    expect(delivery!.frames).toEqual([messageFrame(view)]);
    expect(delivery!.frames[0]).toEqual({
      type: 'message',
      room_id: 7,
      sequence: 3,
      message: { id: '7-3', sequence: 3, room: { id: 7, room_name: 'seven' }, msg_from: { id: 2, username: 'bob' }, text: 'm3', sent_at: '2026-01-01T00:00:00.000Z' },
    });
  });

  it('tells a leaver’s own connections that they left, and nothing else', () => {
    const events = roomEventsOf([left(7, 9), message(7, 4, 1)]);
    expect(recipientsOf(events, [1, 2])).toEqual([1, 2, 9]);
    const x = planRoomDeliveries(events, audience).find((d) => d.connection.connectionId === 'x');
    expect(x?.frames).toEqual([{ type: 'member_left', room_id: 7, user: { id: 9, username: 'xavier' } }]);
  });

  it('names a deleted user null, as the history does', () => {
    const [d] = planRoomDeliveries(roomEventsOf([joined(7, 5)]), { ...audience, connections: [connection('b', 2)] });
    expect(d!.frames).toEqual([{ type: 'member_joined', room_id: 7, user: { id: 5, username: null } }]);
  });

  it('sends no message frame for a room deleted meanwhile', () => {
    expect(planRoomDeliveries(roomEventsOf([message(7, 1, 1)]), { ...audience, roomName: undefined })).toEqual([]);
  });
});

describe('admitConnection (a user’s connection list)', () => {
  const now = 10 * CONNECTION_LIFETIME_MS;

  it('adds the new connection and drops expired ones', () => {
    const { kept, evicted } = admitConnection({ old: now - CONNECTION_LIFETIME_MS, live: now - 1000 }, 'new', now);
    expect(kept).toEqual({ live: now - 1000, new: now });
    expect(evicted).toEqual([]);
  });

  it(`keeps at most ${MAX_CONNECTIONS_PER_USER}, evicting the oldest`, () => {
    const current = Object.fromEntries(Array.from({ length: MAX_CONNECTIONS_PER_USER }, (_, i) => [`c${i}`, now - 1000 + i]));
    const { kept, evicted } = admitConnection(current, 'new', now);
    expect(evicted).toEqual(['c0']);
    expect(Object.keys(kept)).toHaveLength(MAX_CONNECTIONS_PER_USER);
    expect(kept.new).toBe(now);
  });
});

describe('IntervalThrottle (typing, per user and room)', () => {
  it('lets one event per key through per interval', () => {
    const throttle = new IntervalThrottle(3000);
    expect(throttle.allow('7:1', 0)).toBe(true);
    expect(throttle.allow('7:1', 2999)).toBe(false);
    expect(throttle.allow('7:2', 2999)).toBe(true);
    expect(throttle.allow('7:1', 3000)).toBe(true);
  });

  it('holds a bounded number of keys, forgetting expired ones first', () => {
    const throttle = new IntervalThrottle(1000, 2);
    expect([throttle.allow('a', 0), throttle.allow('b', 0)]).toEqual([true, true]);
    expect(throttle.allow('c', 10)).toBe(false); // full, nothing expired: refuse rather than grow
    expect(throttle.allow('c', 1000)).toBe(true);
  });
});

describe('RoomFeed (the client’s resume and gap algorithm)', () => {
  type M = { sequence: number };
  /** A history of `count` messages served in pages of `pageSize`, counting fetches. */
  function history(count: () => number, pageSize = 3) {
    const fetches: number[] = [];
    const fetchAfter = async (after: number): Promise<HistoryPage<M>> => {
      fetches.push(after);
      const messages = Array.from({ length: Math.max(0, Math.min(pageSize, count() - after)) }, (_, i) => ({ sequence: after + 1 + i }));
      return { messages, hasMoreAfter: after + messages.length < count() };
    };
    return { fetches, fetchAfter };
  }
  const feed = (last: number, fetchAfter: (after: number) => Promise<HistoryPage<M>>) => {
    const delivered: number[] = [];
    return { delivered, feed: new RoomFeed<M>({ last, fetchAfter, deliver: (m) => delivered.push(m.sequence) }) };
  };

  it('hands on frames in sequence without fetching, and drops duplicates', async () => {
    const h = history(() => 3);
    const { delivered, feed: f } = feed(0, h.fetchAfter);
    for (const s of [1, 2, 2, 1, 3]) await f.onFrame({ sequence: s });
    expect(delivered).toEqual([1, 2, 3]);
    expect(h.fetches).toEqual([]);
  });

  it('on a gap, fetches after the last sequence until has_more_after is false, then drops what it already has', async () => {
    const h = history(() => 8);
    const { delivered, feed: f } = feed(1, h.fetchAfter);
    await f.onFrame({ sequence: 8 });
    expect(delivered).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(h.fetches).toEqual([1, 4, 7]);
    await f.onFrame({ sequence: 8 });
    expect(delivered).toHaveLength(7);
  });

  it('buffers frames arriving during a catch-up and hands each message on exactly once', async () => {
    let stored = 5;
    const h = history(() => stored, 2);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = async (after: number) => {
      await gate;
      return h.fetchAfter(after);
    };
    const { delivered, feed: f } = feed(0, slow);
    const resuming = f.resume(); // reconnected
    stored = 7;
    const frames = [6, 7].map((s) => f.onFrame({ sequence: s })); // live frames while the first page is on its way
    release();
    await Promise.all([resuming, ...frames]);
    expect(delivered).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('catches up again when frames beyond a gap are still buffered after the history ran out', async () => {
    let stored = 3;
    const h = history(() => stored, 10);
    const fetchAfter = async (after: number) => {
      const page = await h.fetchAfter(after);
      stored = 6; // 4..6 stored after this page was read; only 6's frame arrived
      return page;
    };
    const { delivered, feed: f } = feed(0, fetchAfter);
    await f.onFrame({ sequence: 6 });
    expect(delivered).toEqual([1, 2, 3, 4, 5, 6]);
    expect(h.fetches).toEqual([0, 3]);
  });
});
