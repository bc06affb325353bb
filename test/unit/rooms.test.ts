import { describe, expect, it } from 'vitest';
import { AppError } from '../../lib/errors.ts';
import { parse } from '../../lib/http/validation.ts';
import { isTransactionConflict, retryOnTransactionConflict } from '../../lib/repository/transactions.ts';
import { directPeer, directRoomName, leaveNeedsReplacement, listedAfterJoin, MAX_INITIAL_MEMBERS, MAX_LISTED_MEMBERS, shownMemberIds, withMembers } from '../../lib/rooms/model.ts';
import { createRoomBody, MAX_ROOM_MEMBER_ENTRIES, roomIdPath, roomMembersQuery } from '../../lib/rooms/schemas.ts';

// lib/http/actor.ts also holds requireExistingUser, whose repository reads the table names at import.
process.env.CHAT_TABLE ??= 'chat-unit';
process.env.TASKS_TABLE ??= 'chat-unit-tasks';
const { actingCreatorId, actingUserId } = await import('../../lib/http/actor.ts');

function cancelled(...codes: string[]) {
  return Object.assign(new Error('Transaction cancelled'), { name: 'TransactionCanceledException', CancellationReasons: codes.map((Code) => ({ Code })) });
}

describe('directRoomName', () => {
  it('puts the username of the lower id first, whatever the order of the arguments', () => {
    const ten = { id: 10, username: 'zed' };
    const nine = { id: 9, username: 'amy' };
    expect(directRoomName(ten, nine)).toBe('amy - zed');
    expect(directRoomName(nine, ten)).toBe('amy - zed');
  });
});

describe('room schemas', () => {
  it('trims the room name and accepts a missing or empty member list', () => {
    expect(parse(createRoomBody, { room_name: '  family ' })).toEqual({ room_name: 'family' });
    expect(parse(createRoomBody, { room_name: 'f', room_member: [] })).toEqual({ room_name: 'f', room_member: [] });
    expect(parse(createRoomBody, { room_name: 'f', room_member: [{ username: 'user_7', extra: 1 }] })).toEqual({ room_name: 'f', room_member: [{ username: 'user_7' }] });
  });

  it('keeps the initial members within one 100-item transaction', () => {
    expect(3 + 2 * MAX_INITIAL_MEMBERS).toBeLessThanOrEqual(100);
    expect(MAX_ROOM_MEMBER_ENTRIES + 1).toBe(MAX_INITIAL_MEMBERS);
    const list = (n: number) => Array.from({ length: n }, (_, i) => ({ username: `u${i}` }));
    expect(() => parse(createRoomBody, { room_name: 'f', room_member: list(MAX_ROOM_MEMBER_ENTRIES) })).not.toThrow();
    expect(() => parse(createRoomBody, { room_name: 'f', room_member: list(MAX_ROOM_MEMBER_ENTRIES + 1) })).toThrow(AppError);
  });

  it('refuses a 256-character name, ids that are not positive integers, and unknown include values', () => {
    expect(() => parse(createRoomBody, { room_name: 'x'.repeat(256) })).toThrow(AppError);
    expect(parse(createRoomBody, { room_name: 'x'.repeat(255) }).room_name).toHaveLength(255);
    for (const id of ['abc', '-1', '0', '1.5', '99999999999999999999', '']) expect(() => parse(roomIdPath, { id })).toThrow(AppError);
    expect(parse(roomIdPath, { id: '42' })).toEqual({ id: 42 });
    expect(parse(roomMembersQuery, { include: 'past', user_id: '3' })).toEqual({ include: 'past', limit: 50 });
    expect(() => parse(roomMembersQuery, { include: 'all' })).toThrow(AppError);
  });

  it('pages members 50 by default, 1..100 per page, after a user id; history after the cursor a page gave', () => {
    expect(parse(roomMembersQuery, { limit: '100', after: '0' })).toEqual({ limit: 100, after: 0 });
    expect(parse(roomMembersQuery, { after: '4711', history_after: '2026-12-01T10:00:00.000Z#000000000042#left' })).toEqual({
      limit: 50,
      after: 4711,
      history_after: '2026-12-01T10:00:00.000Z#000000000042#left',
    });
    for (const limit of ['0', '101', '-1', '1.5', 'x']) expect(() => parse(roomMembersQuery, { limit })).toThrow(AppError);
    for (const after of ['-1', '01', 'abc']) expect(() => parse(roomMembersQuery, { after })).toThrow(AppError);
    expect(() => parse(roomMembersQuery, { history_after: 'HISTORY#anything' })).toThrow(AppError);
  });
});

describe('which members a room lists (room_member)', () => {
  const roster = (listed: number, members: number) => ({ listedIds: Array.from({ length: listed }, (_, i) => i + 1), memberCount: members });

  it('lists joiners while fewer than 50 are listed, and no more', () => {
    expect(listedAfterJoin(roster(0, 0), [7, 8])).toEqual({ listed: [7, 8], unlisted: [] });
    expect(listedAfterJoin(roster(49, 49), [7, 8])).toEqual({ listed: [7], unlisted: [8] });
    expect(listedAfterJoin(roster(MAX_LISTED_MEMBERS, 4000), [7])).toEqual({ listed: [], unlisted: [7] });
    // A roster written before the bound, listing more: nobody is added.
    expect(listedAfterJoin(roster(80, 80), [7])).toEqual({ listed: [], unlisted: [7] });
  });

  it('replaces a listed member who leaves while unlisted members remain', () => {
    expect(leaveNeedsReplacement(roster(50, 5000), 3)).toBe(true);
    expect(leaveNeedsReplacement(roster(50, 5000), 4000)).toBe(false); // not listed
    expect(leaveNeedsReplacement(roster(20, 20), 3)).toBe(false); // everyone is listed
    expect(leaveNeedsReplacement(roster(80, 100), 3)).toBe(false); // over the bound: the list may shrink
  });

  it('shows the first 50 listed members and the count of all', () => {
    const names = new Map(Array.from({ length: 80 }, (_, i) => [i + 1, `u${i + 1}`]));
    const shown = withMembers({ id: 1, room_name: 'r', is_direct: false }, roster(80, 5000), names, 1);
    expect(shown.room_member).toHaveLength(MAX_LISTED_MEMBERS);
    expect(shown.member_count).toBe(5000);
    expect(shown).toMatchObject({ is_direct: false, direct_peer: null });
    expect(shownMemberIds(roster(3, 3))).toEqual([1, 2, 3]);
  });

  it('tells a direct room and, for one of its pair, the other user', () => {
    const both = roster(2, 2); // members 1 and 2
    const alone = { listedIds: [2], memberCount: 1 }; // 1 has left
    expect(directPeer({ is_direct: true, pair: [1, 2] }, both, 1)).toBe(2);
    expect(directPeer({ is_direct: true, pair: [1, 2] }, alone, 2)).toBe(1); // the pair on META outlives a leave
    expect(directPeer({ is_direct: true }, both, 2)).toBe(1); // a room from before META held the pair: its roster
    expect(directPeer({ is_direct: true }, alone, 2)).toBeNull(); // … which cannot tell once the other left
    expect(directPeer({ is_direct: true, pair: [1, 2] }, both, 3)).toBeNull(); // not one of the pair
    expect(directPeer({ is_direct: true, pair: [1, 2] }, both, undefined)).toBeNull();
    expect(directPeer({ is_direct: false }, both, 1)).toBeNull();
    expect(withMembers({ id: 9, room_name: 'a - b', is_direct: true, pair: [1, 2] }, both, new Map([[1, 'a'], [2, 'b']]), 2)).toEqual({
      id: 9,
      room_name: 'a - b',
      room_member: [{ username: 'a' }, { username: 'b' }],
      member_count: 2,
      is_direct: true,
      direct_peer: 1,
    });
  });
});

describe('actingUserId', () => {
  it('reads ?user_id= as a positive integer, absent or empty meaning anonymous', () => {
    expect(actingUserId({ query: { user_id: '12' } })).toBe(12);
    expect(actingUserId({ query: {} })).toBeUndefined();
    expect(actingUserId({ query: { user_id: '' } })).toBeUndefined();
  });

  it('answers 400 naming user_id when it is malformed, or missing where required', () => {
    for (const query of [{ user_id: 'abc' }, { user_id: '-3' }, { user_id: '0' }, { user_id: '1,2' }]) {
      expect(() => actingUserId({ query })).toThrow(expect.objectContaining({ status: 400, errors: { user_id: [expect.any(String)] } }));
    }
    expect(() => actingUserId({ query: {} }, { required: true })).toThrow(expect.objectContaining({ status: 400, errors: { user_id: [expect.any(String)] } }));
  });
});

describe('actingUserId in token mode (request.auth set by the middleware)', () => {
  const auth = { userId: 12 };
  it('is the token subject where a user is required, and user_id may only repeat it', () => {
    expect(actingUserId({ query: {}, auth }, { required: true })).toBe(12);
    expect(actingUserId({ query: { user_id: '12' }, auth }, { required: true })).toBe(12);
    expect(() => actingUserId({ query: { user_id: '13' }, auth }, { required: true })).toThrow(expect.objectContaining({ status: 403 }));
    expect(() => actingUserId({ query: { user_id: 'abc' }, auth })).toThrow(expect.objectContaining({ status: 400 }));
  });

  it('keeps the anonymous view where the user is optional and no user_id is given', () => {
    expect(actingUserId({ query: {}, auth })).toBeUndefined();
    expect(actingUserId({ query: { user_id: '12' }, auth })).toBe(12);
  });

  it('a room’s creator is always the token’s user (query mode: user_id, or nobody, as the seed)', () => {
    expect(actingCreatorId({ query: {}, auth })).toBe(12);
    expect(() => actingCreatorId({ query: { user_id: '13' }, auth })).toThrow(expect.objectContaining({ status: 403 }));
    expect(actingCreatorId({ query: {} })).toBeUndefined();
    expect(actingCreatorId({ query: { user_id: '5' } })).toBe(5);
  });
});

describe('transaction conflict retries', () => {
  it('tells a pure conflict from a failed condition', () => {
    expect(isTransactionConflict(cancelled('None', 'TransactionConflict'))).toBe(true);
    expect(isTransactionConflict(Object.assign(new Error('x'), { name: 'TransactionConflictException' }))).toBe(true);
    expect(isTransactionConflict(cancelled('ConditionalCheckFailed', 'TransactionConflict'))).toBe(false);
    expect(isTransactionConflict(cancelled('ConditionalCheckFailed', 'None'))).toBe(false);
    expect(isTransactionConflict(new Error('boom'))).toBe(false);
  });

  it('retries conflicts until the write succeeds, and gives up on anything else at once', async () => {
    let calls = 0;
    const result = await retryOnTransactionConflict(async () => {
      calls++;
      if (calls < 3) throw cancelled('TransactionConflict');
      return 'done';
    });
    expect(result).toBe('done');
    expect(calls).toBe(3);

    let failures = 0;
    await expect(
      retryOnTransactionConflict(async () => {
        failures++;
        throw cancelled('ConditionalCheckFailed');
      }),
    ).rejects.toMatchObject({ name: 'TransactionCanceledException' });
    expect(failures).toBe(1);

    let conflicts = 0;
    await expect(
      retryOnTransactionConflict(async () => {
        conflicts++;
        throw cancelled('TransactionConflict');
      }, 3),
    ).rejects.toMatchObject({ name: 'TransactionCanceledException' });
    expect(conflicts).toBe(3);
  });
});
