import { describe, expect, it } from 'vitest';
import { advancedReadState, unreadCount } from '../../lib/reading/unread.ts';

describe('unreadCount', () => {
  it('is the room sequence minus the watermark when the member sent nothing above it', () => {
    expect(unreadCount(10, { lastSeenSequence: 4, ownAfterWatermark: [] })).toBe(6);
    expect(unreadCount(10, { lastSeenSequence: 10, ownAfterWatermark: [] })).toBe(0);
    expect(unreadCount(0, { lastSeenSequence: 0, ownAfterWatermark: [] })).toBe(0);
  });

  it('does not count the member’s own messages above the watermark', () => {
    expect(unreadCount(10, { lastSeenSequence: 4, ownAfterWatermark: [6, 9] })).toBe(4);
    expect(unreadCount(6, { lastSeenSequence: 4, ownAfterWatermark: [5, 6] })).toBe(0);
  });

  it('ignores own entries outside (watermark, lastSequence] and duplicates', () => {
    // A stale entry at or below the watermark (not pruned yet) and one the room's META has not caught up with.
    expect(unreadCount(10, { lastSeenSequence: 4, ownAfterWatermark: [3, 4, 7, 7, 12] })).toBe(5);
  });

  it('is never negative, even for a watermark ahead of a stale room sequence', () => {
    expect(unreadCount(5, { lastSeenSequence: 8, ownAfterWatermark: [] })).toBe(0);
    expect(unreadCount(5, { lastSeenSequence: 4, ownAfterWatermark: [5, 5] })).toBe(0);
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
    expect(unreadCount(12, after)).toBe(4);
  });
});
