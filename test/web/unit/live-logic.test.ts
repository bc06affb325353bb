import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../../web/src/logic/backoff.ts';
import { encodeFrame, parseFrame } from '../../../web/src/logic/frames.ts';
import { raiseWatermark, seenBy, watermarksFromPage, type Watermarks } from '../../../web/src/logic/seen.ts';
import { afterArrival, afterOpen, afterRefresh, unreadOf } from '../../../web/src/logic/unread.ts';

const message = (sequence: number, roomId = 4) => ({
  id: `${roomId}-${sequence}`,
  sequence,
  room: { id: roomId, room_name: 'general' },
  msg_from: { id: 1, username: 'user_1' },
  text: 'hi',
  sent_at: '2026-11-01T10:00:00.000Z',
});

describe('parseFrame', () => {
  it('reads the frames of docs/realtime.md', () => {
    expect(parseFrame(JSON.stringify({ type: 'message', room_id: 4, sequence: 7, message: message(7) }))).toEqual({
      type: 'message',
      room_id: 4,
      sequence: 7,
      message: message(7),
    });
    expect(parseFrame('{"type":"pong"}')).toEqual({ type: 'pong' });
    expect(parseFrame(JSON.stringify({ type: 'member_joined', room_id: 4, user: { id: 2, username: 'user_2' } }))).toEqual({
      type: 'member_joined',
      room_id: 4,
      user: { id: 2, username: 'user_2' },
    });
    expect(parseFrame(JSON.stringify({ type: 'read', room_id: 4, user: 2, last_seen_sequence: 9 }))).toEqual({
      type: 'read',
      room_id: 4,
      user: { id: 2, username: null },
      last_seen_sequence: 9,
    });
    expect(parseFrame(JSON.stringify({ type: 'typing', room_id: 4, user: { id: 3, username: 'user_3' } }))?.type).toBe('typing');
    expect(parseFrame(JSON.stringify({ type: 'error', code: 'forbidden', message: 'You are not a member of room 1.' }))).toEqual({
      type: 'error',
      code: 'forbidden',
      message: 'You are not a member of room 1.',
    });
  });

  it('drops what is not a whole, consistent frame', () => {
    for (const bad of [
      'not json',
      '[]',
      '{"type":"message"}',
      JSON.stringify({ type: 'message', room_id: 4, sequence: 8, message: message(7) }), // sequences disagree
      JSON.stringify({ type: 'message', room_id: 5, sequence: 7, message: message(7, 4) }), // another room's message
      JSON.stringify({ type: 'message', room_id: 4, sequence: 7, message: { ...message(7), text: 3 } }),
      JSON.stringify({ type: 'read', room_id: 4, user: { id: 2 } }),
      JSON.stringify({ type: 'typing', room_id: 0, user: 2 }),
      JSON.stringify({ type: 'shout', room_id: 4 }),
      JSON.stringify({ type: 'error', message: 'no code' }),
    ]) {
      expect(parseFrame(bad), bad).toBeUndefined();
    }
    expect(parseFrame(new ArrayBuffer(2))).toBeUndefined();
  });

  it('encodes what the client sends', () => {
    expect(JSON.parse(encodeFrame({ action: 'typing', room_id: 4 }))).toEqual({ action: 'typing', room_id: 4 });
    expect(JSON.parse(encodeFrame({ action: 'ping' }))).toEqual({ action: 'ping' });
  });
});

describe('backoffDelay', () => {
  it('doubles from half the base up to the cap, with jitter within each step', () => {
    const policy = { baseMs: 500, maxMs: 30_000 };
    expect(backoffDelay(0, policy, () => 0)).toBe(250);
    expect(backoffDelay(0, policy, () => 0.999)).toBeLessThan(500);
    expect(backoffDelay(3, policy, () => 0)).toBe(2000);
    expect(backoffDelay(40, policy, () => 0.999)).toBeLessThan(30_000);
    expect(backoffDelay(40, policy, () => 0)).toBe(15_000);
    expect(backoffDelay(-1, policy, () => 0)).toBe(250);
  });
});

describe('seen by', () => {
  it('derives watermarks from a page’s seen_by and shows who reached the last message', () => {
    let marks: Watermarks = new Map();
    marks = watermarksFromPage(marks, [
      { sequence: 1, seen_by: [{ id: 2, username: 'user_2' }, { id: 3, username: 'user_3' }] },
      { sequence: 2, seen_by: [{ id: 2, username: 'user_2' }] },
      { sequence: 3 },
    ]);
    expect(seenBy({ sequence: 2, msg_from: { id: 1 } }, marks, 1)).toEqual([{ id: 2, username: 'user_2' }]);
    expect(seenBy({ sequence: 1, msg_from: { id: 1 } }, marks, 1).map((r) => r.id)).toEqual([2, 3]);
    // A read frame moves a watermark; it never moves back.
    marks = raiseWatermark(marks, { id: 3, username: null }, 3);
    marks = raiseWatermark(marks, { id: 3, username: null }, 1);
    expect(seenBy({ sequence: 3, msg_from: { id: 1 } }, marks, 1)).toEqual([{ id: 3, username: 'user_3' }]);
  });

  it('leaves out the sender and the viewer', () => {
    const marks: Watermarks = new Map([
      [1, { username: 'user_1', through: 9 }],
      [2, { username: 'user_2', through: 9 }],
      [5, { username: 'user_5', through: 9 }],
    ]);
    expect(seenBy({ sequence: 9, msg_from: { id: 2 } }, marks, 5)).toEqual([{ id: 1, username: 'user_1' }]);
  });

  it('returns the same map when a watermark does not move', () => {
    const marks: Watermarks = new Map([[2, { username: 'user_2', through: 9 }]]);
    expect(raiseWatermark(marks, { id: 2, username: 'user_2' }, 4)).toBe(marks);
  });
});

describe('unread counts', () => {
  const count = (counts: ReturnType<typeof afterRefresh>, roomId: number) => unreadOf(counts, roomId);

  it('counts arrivals in rooms that are not open', () => {
    let unread = afterArrival(new Map(), 1, 2, 1, false);
    unread = afterArrival(unread, 1, 2, 2, false);
    unread = afterArrival(unread, 3, 2, 2, true);
    unread = afterArrival(unread, 3, 2, 1, true);
    unread = afterArrival(unread, 2, 2, 5, false);
    expect(count(unread, 1)).toBe(3);
    expect(count(unread, 3)).toBe(3);
    expect(count(unread, 2)).toBe(0);
  });

  it('does not count twice a message the server counted and the long poll then delivered', () => {
    // The list said 1 unread; the poll delivers that message (and marks it seen on the server).
    let unread = afterRefresh(new Map(), new Map([[1, 1]]), undefined);
    unread = afterArrival(unread, 1, undefined, 1, true);
    expect(count(unread, 1)).toBe(1);
    // The next refresh: the server counts 0 now, the client still knows of the one it delivered.
    unread = afterRefresh(unread, new Map([[1, 0]]), undefined);
    expect(count(unread, 1)).toBe(1);
    // Delivered before the list came: the same 1.
    let other = afterArrival(new Map(), 1, undefined, 1, true);
    other = afterRefresh(other, new Map([[1, 0]]), undefined);
    expect(count(other, 1)).toBe(1);
  });

  it('takes the server’s count for what it still counts (socket frames are not reads)', () => {
    let unread = afterArrival(new Map(), 1, undefined, 2, false);
    unread = afterRefresh(unread, new Map([[1, 2]]), undefined);
    expect(count(unread, 1)).toBe(2);
  });

  it('drops rooms no longer listed and keeps the open room at 0', () => {
    const unread = afterArrival(new Map(), 9, undefined, 2, true);
    expect(afterRefresh(unread, new Map([[1, 3]]), undefined).has(9)).toBe(false);
    expect(count(afterRefresh(unread, new Map([[9, 3]]), 9), 9)).toBe(0);
  });

  it('clears a room when it is opened', () => {
    const unread = afterArrival(new Map(), 1, undefined, 3, true);
    expect(count(afterOpen(unread, 1), 1)).toBe(0);
    expect(afterOpen(unread, 2)).toBe(unread);
  });
});
