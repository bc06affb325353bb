import { AppError, conflict, notFound, validationFailed } from '../errors.ts';
import { unreadCount } from '../reading/unread.ts';
import { nextId } from '../repository/counters.ts';
import * as repository from '../repository/rooms.ts';
import {
  directRoomName,
  MAX_INITIAL_MEMBERS,
  type Membership,
  type Room,
  type RoomSummary,
  type RoomWithMembers,
  type UserName,
  withMembers,
} from './model.ts';
import type { CreateRoomInput } from './schemas.ts';

/** A join or leave that keeps losing races re-reads the room this many times before giving up. */
const MAX_ATTEMPTS = 5;

const roomNotFound = (roomId: number) => notFound(`Room ${roomId}`);
const userNotFound = (userId: number) => notFound(`User ${userId}`);
const alreadyMember = (userId: number) => new AppError(400, 'already_member', `User ${userId} is already a member of this room.`);
const notMember = (userId: number) => new AppError(400, 'not_a_member', `User ${userId} is not a member of this room.`);
const directRoomJoin = () => new AppError(400, 'direct_room', "A direct room can't be joined.");
const keptChanging = () => conflict('The room kept changing during the request; retry.');
const now = () => new Date().toISOString();

export const getRoom = (roomId: number): Promise<Room | undefined> => repository.getRoom(roomId);

export const getMembership = (roomId: number, userId: number): Promise<Membership | undefined> =>
  repository.getMembership(roomId, userId);

/**
 * The one direct room of a pair, created on first use: the pair claim, the room and both
 * memberships in one transaction, so concurrent first messages make exactly one room (a loser
 * reads the winner's). A member who left the pair's room is added back (a direct room is never
 * deleted; a new message between the pair brings it back to both, history before the return
 * not counting as unread).
 */
export async function findOrCreateDirectRoom(a: UserName, b: UserName): Promise<Room> {
  if (a.id === b.id) throw validationFailed('A direct room needs two different users.', { user: ['Cannot open a direct room with yourself.'] });
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const existing = await repository.getDirectRoomId(a.id, b.id);
    if (existing !== undefined) return withBothMembers(existing, [a.id, b.id]);
    const room: Room = { id: await nextId('ROOM'), room_name: directRoomName(a, b), is_direct: true, lastSequence: 0 };
    const pair: [number, number] = a.id < b.id ? [a.id, b.id] : [b.id, a.id];
    if ((await repository.insertDirectRoom(room, pair, now())) === 'created') return room;
  }
  throw keptChanging();
}

async function withBothMembers(roomId: number, userIds: number[]): Promise<Room> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const { room, roster } = await repository.getRoomState(roomId);
    if (!room || !roster) throw new Error(`Direct room ${roomId} is claimed by a pair but has no META/ROSTER`);
    const missing = userIds.filter((id) => !roster.memberIds.includes(id));
    if (missing.length === 0 || (await repository.addMembers(room, missing, now())) === 'joined') return room;
  }
  throw keptChanging();
}

/**
 * GET /chat/chatroom/: anonymous, the group rooms' ids and names; with an acting user, that
 * user's rooms (group and direct) with their members.
 */
export async function listRooms(userId?: number): Promise<RoomSummary[] | (RoomWithMembers & { unread_count: number })[]> {
  if (userId === undefined) return repository.listGroupRooms();
  const roomIds = await repository.roomIdsOfUser(userId);
  // GSI1 is eventually consistent: the roster has the last word on who is in a room.
  const rooms = (roomIds.length > 0 ? await repository.getRoomsWithRosters(roomIds, { memberId: userId }) : []).filter(({ roster }) =>
    roster.memberIds.includes(userId),
  );
  // The acting user's own name is looked up with the members' (one BatchGetItem): it proves they exist.
  const { usernamesById } = await repository.lookupUsers({ usernames: [], userIds: [userId, ...rooms.flatMap(({ roster }) => roster.memberIds)] });
  if (!usernamesById.has(userId)) throw userNotFound(userId);
  return rooms.map(({ room, roster, membership }) => ({
    ...withMembers(room, roster.memberIds, usernamesById),
    // The membership item is read with META in the same BatchGetItem (docs/reading.md, "Unread counts").
    unread_count: membership ? unreadCount(room.lastSequence, membership) : 0,
  }));
}

/**
 * POST /chat/chatroom/: a group room with a unique name, its listed members (all must exist) and
 * the acting user, if any, created in one transaction.
 */
export async function createGroupRoom(input: CreateRoomInput, creatorId?: number): Promise<RoomWithMembers> {
  const usernames = [...new Set((input.room_member ?? []).map((member) => member.username))];
  const { idsByUsername, usernamesById } = await repository.lookupUsers({ usernames, userIds: creatorId === undefined ? [] : [creatorId] });
  if (creatorId !== undefined && !usernamesById.has(creatorId)) throw userNotFound(creatorId);
  const unknown = usernames.filter((name) => !idsByUsername.has(name));
  if (unknown.length > 0) {
    throw validationFailed('Some room members do not exist; nothing was created.', { room_member: [`Unknown usernames: ${unknown.join(', ')}.`] });
  }
  for (const [name, id] of idsByUsername) usernamesById.set(id, name);
  const memberIds = [...usernamesById.keys()].sort((x, y) => x - y);
  if (memberIds.length > MAX_INITIAL_MEMBERS) {
    throw validationFailed('Too many initial members.', { room_member: [`A room starts with at most ${MAX_INITIAL_MEMBERS} members, creator included.`] });
  }
  const room: Room = { id: await nextId('ROOM'), room_name: input.room_name, is_direct: false, lastSequence: 0 };
  if ((await repository.insertGroupRoom(room, memberIds, now())) === 'name-taken') {
    throw validationFailed('The room name is already taken.', { room_name: ['chat room with this room name already exists.'] });
  }
  return withMembers(room, memberIds, usernamesById);
}

/**
 * GET /chat/chatroom/:id/: anonymous, a group room's id and name; with an acting user, any room
 * they belong to, with its members. Everything else is 404, so a room's existence is not revealed.
 */
export async function showRoom(roomId: number, userId?: number): Promise<RoomSummary | RoomWithMembers> {
  if (userId === undefined) {
    const room = await repository.getRoom(roomId);
    if (!room || room.is_direct) throw roomNotFound(roomId);
    return { id: room.id, room_name: room.room_name };
  }
  const { room, roster } = await repository.getRoomState(roomId);
  if (!room || !roster || !roster.memberIds.includes(userId)) throw roomNotFound(roomId);
  const { usernamesById } = await repository.lookupUsers({ usernames: [], userIds: roster.memberIds });
  if (!usernamesById.has(userId)) throw userNotFound(userId);
  return withMembers(room, roster.memberIds, usernamesById);
}

/** PUT /chat/chatroom/:id/: the acting user joins a group room. */
export async function joinRoom(roomId: number, userId: number): Promise<void> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const { room, roster, userExists } = await repository.getRoomState(roomId, { userId });
    if (!userExists) throw userNotFound(userId);
    if (!room || !roster) throw roomNotFound(roomId);
    if (roster.memberIds.includes(userId)) throw alreadyMember(userId);
    if (room.is_direct) throw directRoomJoin();
    if ((await repository.addMembers(room, [userId], now())) === 'joined') return;
  }
  throw keptChanging();
}

/**
 * DELETE /chat/chatroom/:id/: the acting user leaves. The last member's leave deletes a group
 * room (and frees its name) in the same transaction, on condition that nobody joined meanwhile.
 * A direct room is never deleted.
 */
export async function leaveRoom(roomId: number, userId: number): Promise<void> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const { room, roster, userExists } = await repository.getRoomState(roomId, { userId });
    if (!userExists) throw userNotFound(userId);
    if (!room || !roster) throw roomNotFound(roomId);
    if (!roster.memberIds.includes(userId)) throw notMember(userId);
    const mode = !room.is_direct && roster.memberCount <= 1 ? 'last-member' : 'ordinary';
    if ((await repository.removeMember(room, userId, now(), mode)) !== 'conflict') return;
  }
  throw keptChanging();
}

export interface RoomMembers {
  id: number;
  members: { id: number; username: string | null; joined_at: string }[];
  history?: { id: number; username: string | null; event: 'joined' | 'left'; at: string }[];
}

/**
 * GET /chat/chatroom/:id/members/: current members with their join time and, with
 * `include=past`, every join and leave in time order. For current members only (else 404).
 */
export async function roomMembers(roomId: number, userId: number, includePast: boolean): Promise<RoomMembers> {
  const { members, history } = await repository.roomMemberships(roomId, { withHistory: includePast });
  if (!members.some((member) => member.userId === userId)) throw roomNotFound(roomId);
  const userIds = [...members.map((member) => member.userId), ...history.map((event) => event.userId)];
  const { usernamesById } = await repository.lookupUsers({ usernames: [], userIds });
  if (!usernamesById.has(userId)) throw userNotFound(userId);
  const name = (id: number) => usernamesById.get(id) ?? null;
  return {
    id: roomId,
    members: members.map((member) => ({ id: member.userId, username: name(member.userId), joined_at: member.joinedAt })),
    ...(includePast
      ? { history: history.map((event) => ({ id: event.userId, username: name(event.userId), event: event.event, at: event.at })) }
      : {}),
  };
}
