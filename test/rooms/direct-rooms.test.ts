import { describe, expect, it } from 'vitest';
import { getRoomState } from '../../lib/repository/rooms.ts';
import { findOrCreateDirectRoom, getMembership, getRoom, leaveRoom } from '../../lib/rooms/service.ts';
import { newUser, newUsers } from './fixtures.ts';

describe('findOrCreateDirectRoom', () => {
  it('makes exactly one room for a pair under 10 concurrent first messages, from both sides', async () => {
    const [a, b] = await newUsers(2, 'pair');
    const rooms = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? findOrCreateDirectRoom(a!, b!) : findOrCreateDirectRoom(b!, a!))));

    const ids = new Set(rooms.map((room) => room.id));
    expect(ids.size).toBe(1);
    const [low, high] = a!.id < b!.id ? [a!, b!] : [b!, a!];
    expect(rooms[0]).toEqual({ id: rooms[0]!.id, room_name: `${low.username} - ${high.username}`, is_direct: true, pair: [low.id, high.id], lastSequence: 0 });
    expect(await getRoom(rooms[0]!.id)).toEqual(rooms[0]);

    const state = await getRoomState(rooms[0]!.id);
    expect(state.roster).toEqual({ roomId: rooms[0]!.id, memberCount: 2, listedIds: [low.id, high.id] });
    for (const user of [a!, b!]) {
      expect(await getMembership(rooms[0]!.id, user.id)).toEqual({
        roomId: rooms[0]!.id,
        userId: user.id,
        joinedAt: expect.any(String),
        lastSeenSequence: 0,
        ownAfterWatermark: [],
      });
    }
  });

  it('returns the same room on later calls, with no further writes', async () => {
    const [a, b] = await newUsers(2, 'pair');
    const first = await findOrCreateDirectRoom(a!, b!);
    expect(await findOrCreateDirectRoom(b!, a!)).toEqual(first);
  });

  it('keeps a direct room when both leave, and adds a member who left back on the next call', async () => {
    const [a, b] = await newUsers(2, 'pair');
    const room = await findOrCreateDirectRoom(a!, b!);
    await leaveRoom(room.id, a!.id);
    await leaveRoom(room.id, b!.id);
    expect(await getRoom(room.id)).toEqual(room);
    expect((await getRoomState(room.id)).roster).toMatchObject({ memberCount: 0, listedIds: [] });
    expect(await getMembership(room.id, a!.id)).toBeUndefined();

    expect((await findOrCreateDirectRoom(a!, b!)).id).toBe(room.id);
    expect((await getRoomState(room.id)).roster).toMatchObject({ memberCount: 2 });
    expect(await getMembership(room.id, a!.id)).toMatchObject({ userId: a!.id, lastSeenSequence: 0 });
  });

  it('refuses a pair of one user with a 400', async () => {
    const a = await newUser('self');
    await expect(findOrCreateDirectRoom(a, a)).rejects.toMatchObject({ status: 400 });
  });

  it('getRoom and getMembership answer undefined for unknown rooms and non-members', async () => {
    const [a, b, c] = await newUsers(3, 'pair');
    const room = await findOrCreateDirectRoom(a!, b!);
    expect(await getRoom(987_654_321_000)).toBeUndefined();
    expect(await getMembership(room.id, c!.id)).toBeUndefined();
  });
});
