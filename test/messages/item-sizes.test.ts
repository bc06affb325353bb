import { describe, expect, it } from 'vitest';
import { MAX_OWN_AFTER_WATERMARK, RECENT_SENDERS } from '../../lib/reading/unread.ts';
import { memberItem, roomItem } from '../../lib/repository/rooms.ts';

/**
 * An item's size as DynamoDB bills it (Developer Guide, "Item sizes and formats"): attribute names
 * plus values; a string is its UTF-8 bytes, a number about one byte per two significant digits plus
 * one, a boolean or null one byte, a list or map 3 bytes plus one per element plus the elements.
 */
function itemBytes(item: Record<string, unknown>): number {
  const value = (v: unknown): number => {
    if (typeof v === 'string') return Buffer.byteLength(v);
    if (typeof v === 'number') return Math.ceil(String(Math.abs(v)).replace(/\./, '').replace(/^0+|0+$/g, '').length / 2) + 1;
    if (typeof v === 'boolean' || v === null) return 1;
    if (Array.isArray(v)) return 3 + v.reduce((sum: number, element) => sum + 1 + value(element), 0);
    return 3 + Object.entries(v as object).reduce((sum, [name, element]) => sum + Buffer.byteLength(name) + 1 + value(element), 0);
  };
  return Object.entries(item).reduce((sum, [name, v]) => sum + (v === undefined ? 0 : Buffer.byteLength(name) + value(v)), 0);
}

const KB = 1024;
const BIG_ID = 999_999_999; // room ids and sequences below a billion
const BIG_USER = 9_999_999; // user ids below ten million

/** META as the consumer leaves it: created, then its sequence and recent senders set by storeRun. */
const meta = (roomName: string, direct = false) => ({
  ...roomItem({ id: BIG_ID, room_name: roomName, is_direct: direct, ...(direct ? { pair: [BIG_USER, BIG_USER] as [number, number] } : {}), lastSequence: BIG_ID }, new Date().toISOString()),
  recentSenders: Array.from({ length: RECENT_SENDERS }, () => BIG_USER),
  recentUpTo: BIG_ID,
});

describe('item sizes: what a message’s writes cost', () => {
  it('a room’s META with its 100 recent senders stays within 1 KB (2 write units in a transaction) for names up to 244 bytes', () => {
    expect(itemBytes(meta('n'.repeat(244)))).toBeLessThanOrEqual(KB);
    expect(itemBytes(meta('n'.repeat(245)))).toBeGreaterThan(KB);
    expect(itemBytes(meta('user_1234567 - user_7654321', true))).toBeLessThanOrEqual(KB);
    // The longest name the API accepts, in 4-byte characters: under the documented 2 KB.
    expect(itemBytes(meta('😀'.repeat(255)))).toBeLessThan(2 * KB);
  });

  it('a membership with the most own messages it may list stays within 1 KB', () => {
    const member = memberItem({
      roomId: BIG_ID,
      userId: BIG_USER,
      joinedAt: new Date().toISOString(),
      lastSeenSequence: BIG_ID,
      ownAfterWatermark: Array.from({ length: MAX_OWN_AFTER_WATERMARK }, (_, i) => BIG_ID - i),
    });
    expect(itemBytes(member)).toBeLessThanOrEqual(KB);
  });
});
