import { describe, expect, it } from 'vitest';
import { advancedReadState, MAX_OWN_AFTER_WATERMARK, seenThrough, unreadCount, withOwnMessages } from '../../lib/reading/unread.ts';

/** Member 1's read state; the room's recent senders, if any, name who sent its last messages. */
const member = (lastSeenSequence: number, ownAfterWatermark: number[] = []) => ({ userId: 1, lastSeenSequence, ownAfterWatermark });
const room = (lastSequence: number, recentSenders?: number[]) => ({ lastSequence, ...(recentSenders ? { recentSenders } : {}) });

describe('unreadCount', () => {
  it('is the room sequence minus the watermark when the member sent nothing above it', () => {
    expect(unreadCount(room(10), member(4))).toBe(6);
    expect(unreadCount(room(10), member(10))).toBe(0);
    expect(unreadCount(room(0), member(0))).toBe(0);
  });

  it('does not count the member’s own messages above the watermark listed in their membership', () => {
    expect(unreadCount(room(10), member(4, [6, 9]))).toBe(4);
    expect(unreadCount(room(6), member(4, [5, 6]))).toBe(0);
  });

  it('nor those the room’s recent senders name them for (the last messages of the room, oldest first)', () => {
    // Messages 7–10 were sent by 2, 1, 0 (no longer tracked: someone else's, or seen), 1.
    expect(unreadCount(room(10, [2, 1, 0, 1]), member(4))).toBe(4);
    expect(unreadCount(room(10, [2, 1, 0, 1]), member(4, [5]))).toBe(3);
    // …only above the watermark, and once when listed in both.
    expect(unreadCount(room(10, [2, 1, 0, 1]), member(8, [10]))).toBe(1);
  });

  it('ignores own entries outside (watermark, lastSequence] and duplicates', () => {
    // A stale entry at or below the watermark (not pruned yet) and one the room's META has not caught up with.
    expect(unreadCount(room(10), member(4, [3, 4, 7, 7, 12]))).toBe(5);
  });

  it('is never negative, even for a watermark ahead of a stale room sequence', () => {
    expect(unreadCount(room(5), member(8))).toBe(0);
    expect(unreadCount(room(5), member(4, [5, 5]))).toBe(0);
  });
});

describe('seenThrough', () => {
  it('moves the watermark through the member’s own messages right above it, wherever they are known from', () => {
    expect(seenThrough(room(10, [1, 1, 2, 1]), member(5, [6]))).toBe(8);
    expect(seenThrough(room(10, [2, 1, 1, 1]), member(6))).toBe(6);
    expect(seenThrough(room(10), member(10))).toBe(10);
  });
});

describe('advancedReadState', () => {
  it('moves the watermark forward and prunes own messages at or below it', () => {
    expect(advancedReadState({ lastSeenSequence: 2, ownAfterWatermark: [4, 9] }, 6)).toEqual({ lastSeenSequence: 6, ownAfterWatermark: [9] });
  });

  it('never moves it back or writes for nothing', () => {
    expect(advancedReadState({ lastSeenSequence: 8, ownAfterWatermark: [] }, 5)).toBeUndefined();
    expect(advancedReadState({ lastSeenSequence: 8, ownAfterWatermark: [10] }, 8)).toBeUndefined();
  });

  it('moves through the member’s own messages right above the new watermark', () => {
    expect(advancedReadState({ lastSeenSequence: 1, ownAfterWatermark: [6, 7, 9] }, 5)).toEqual({ lastSeenSequence: 7, ownAfterWatermark: [9] });
  });

  it('keeps the unread count of what lies above the new watermark', () => {
    const before = { lastSeenSequence: 3, ownAfterWatermark: [5, 8, 11] };
    const after = advancedReadState(before, 6)!;
    // Above 6: 7, 9, 10, 12 are others' (8 and 11 are own).
    expect(unreadCount(room(12), { userId: 1, ...after })).toBe(4);
  });
});

describe('withOwnMessages', () => {
  it('lists the sequences, sorted and once, above the watermark only', () => {
    expect(withOwnMessages({ lastSeenSequence: 5, ownAfterWatermark: [9, 7] }, [12, 3, 7, 5])).toEqual({ lastSeenSequence: 5, ownAfterWatermark: [7, 9, 12] });
  });

  it(`keeps at most ${MAX_OWN_AFTER_WATERMARK}: the watermark moves to the newest that does not fit, and through own messages right above it`, () => {
    const own = Array.from({ length: MAX_OWN_AFTER_WATERMARK + 2 }, (_, i) => 2 * i + 10);
    const capped = withOwnMessages({ lastSeenSequence: 0, ownAfterWatermark: [] }, own);
    expect(capped).toEqual({ lastSeenSequence: 12, ownAfterWatermark: own.slice(2) });
    const contiguous = withOwnMessages({ lastSeenSequence: 0, ownAfterWatermark: [] }, Array.from({ length: MAX_OWN_AFTER_WATERMARK + 1 }, (_, i) => i + 1));
    expect(contiguous).toEqual({ lastSeenSequence: MAX_OWN_AFTER_WATERMARK + 1, ownAfterWatermark: [] });
  });
});
