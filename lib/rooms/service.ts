import { AppError, conflict, notFound, validationFailed } from '../errors.ts';
import { unreadCount } from '../reading/unread.ts';
import { nextId } from '../repository/counters.ts';
import * as repository from '../repository/rooms.ts';
import {
  directRoomName,
  EMPTY_ROOM_NAME_HOLD_MS,
  leaveNeedsReplacement,
  listedAfterJoin,
  MAX_INITIAL_MEMBERS,
  MAX_LISTED_MEMBERS,
  shownMemberIds,
  type Membership,
  type Room,
  type Roster,
  type RoomSummary,
  type RoomWithMembers,
  type UserName,
  withMembers,
} from './model.ts';
import type { CreateRoomInput, RoomMembersQuery } from './schemas.ts';

/** A join or leave that keeps losing races re-reads the room this many times before giving up. */
const MAX_ATTEMPTS = 5;
/** Unlisted members a leave reads to pick a replacement from, at random (concurrent leaves rarely pick the same). */
const REPLACEMENT_CANDIDATES = 25;

const roomNotFound = (roomId: number) => notFound(`Room ${roomId}`);
const userNotFound = (userId: number) => notFound(`User ${userId}`);
const alreadyMember = (userId: number) => new AppError(400, 'already_member', `User ${userId} is already a member of this room.`);
const notMember = (userId: number) => new AppError(400, 'not_a_member', `User ${userId} is not a member of this room.`);
const directRoomJoin = () => new AppError(400, 'direct_room', "A direct room can't be joined.");
const nameTaken = () => validationFailed('The room name is already taken.', { room_name: ['chat room with this room name already exists.'] });
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
    const pair: [number, number] = a.id < b.id ? [a.id, b.id] : [b.id, a.id];
    const room: Room = { id: await nextId('ROOM'), room_name: directRoomName(a, b), is_direct: true, pair, lastSequence: 0 };
    if ((await repository.insertDirectRoom(room, pair, now())) === 'created') return room;
  }
  throw keptChanging();
}

async function withBothMembers(roomId: number, userIds: number[]): Promise<Room> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const { room, roster, memberships } = await repository.getRoomState(roomId, { memberIds: userIds });
    if (!room || !roster) throw new Error(`Direct room ${roomId} is claimed by a pair but has no META/ROSTER`);
    const missing = userIds.filter((id) => !memberships.has(id));
    if (missing.length === 0 || (await repository.addMembers(room, listedAfterJoin(roster, missing), now())) === 'joined') return room;
  }
  throw keptChanging();
}

/**
 * GET /chat/chatroom/: anonymous, the group rooms' ids and names; with an acting user, that
 * user's rooms (group and direct) with their listed members, member count and unread count.
 */
export async function listRooms(userId?: number): Promise<RoomSummary[] | (RoomWithMembers & { unread_count: number })[]> {
  if (userId === undefined) return repository.listGroupRooms();
  const roomIds = await repository.roomIdsOfUser(userId);
  // GSI1 is eventually consistent: the membership items (read strongly consistent) have the last word.
  const rooms = roomIds.length > 0 ? await repository.getMemberRooms(roomIds, userId) : [];
  // The acting user's own name is looked up with the listed members' (one BatchGetItem): it proves they exist.
  const { usernamesById } = await repository.lookupUsers({ usernames: [], userIds: [userId, ...rooms.flatMap(({ roster }) => shownMemberIds(roster))] });
  if (!usernamesById.has(userId)) throw userNotFound(userId);
  return rooms.map(({ room, roster, membership }) => ({
    ...withMembers(room, roster, usernamesById, userId),
    // The membership item is read with META in the same BatchGetItem (docs/reading.md, "Unread counts").
    unread_count: unreadCount(room, membership),
  }));
}

/**
 * POST /chat/chatroom/: a group room with a unique name, its listed members (all must exist) and
 * the acting user, if any, created in one transaction. A name held by a room that was created
 * without members and that nobody joined within EMPTY_ROOM_NAME_HOLD_MS is freed: that room is
 * deleted and the name taken.
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
  let inserted = await repository.insertGroupRoom(room, memberIds, now());
  if (inserted.outcome === 'name-taken' && inserted.holder !== undefined && (await freeNameOfEmptyRoom(inserted.holder))) {
    inserted = await repository.insertGroupRoom(room, memberIds, now());
  }
  if (inserted.outcome === 'name-taken') throw nameTaken();
  return withMembers(room, { listedIds: memberIds.slice(0, MAX_LISTED_MEMBERS), memberCount: memberIds.length }, usernamesById, creatorId);
}

/** Deletes the room holding a name if nobody ever joined it and it has held the name long enough. */
async function freeNameOfEmptyRoom(roomId: number): Promise<boolean> {
  const { room, roster, createdAt } = await repository.getRoomState(roomId);
  const cutoff = new Date(Date.now() - EMPTY_ROOM_NAME_HOLD_MS).toISOString();
  if (!room || room.is_direct || !roster || roster.memberCount !== 0 || !createdAt || createdAt >= cutoff) return false;
  return (await repository.deleteEmptyRoom(room, cutoff)) === 'deleted';
}

/**
 * GET /chat/chatroom/:id/: anonymous, a group room's id and name; with an acting user, any room
 * they belong to, with its listed members. Everything else is 404, so a room's existence is not revealed.
 */
export async function showRoom(roomId: number, userId?: number): Promise<RoomSummary | RoomWithMembers> {
  if (userId === undefined) {
    const room = await repository.getRoom(roomId);
    if (!room || room.is_direct) throw roomNotFound(roomId);
    return { id: room.id, room_name: room.room_name };
  }
  const { room, roster, memberships } = await repository.getRoomState(roomId, { memberIds: [userId] });
  if (!room || !roster || !memberships.has(userId)) throw roomNotFound(roomId);
  const { usernamesById } = await repository.lookupUsers({ usernames: [], userIds: [userId, ...shownMemberIds(roster)] });
  if (!usernamesById.has(userId)) throw userNotFound(userId);
  return withMembers(room, roster, usernamesById, userId);
}

/** PUT /chat/chatroom/:id/: the acting user joins a group room. */
export async function joinRoom(roomId: number, userId: number): Promise<void> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const { room, roster, userExists, memberships } = await repository.getRoomState(roomId, { userId });
    if (!userExists) throw userNotFound(userId);
    if (!room || !roster) throw roomNotFound(roomId);
    if (memberships.has(userId)) throw alreadyMember(userId);
    if (room.is_direct) throw directRoomJoin();
    if ((await repository.addMembers(room, listedAfterJoin(roster, [userId]), now())) === 'joined') return;
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
    const { room, roster, userExists, memberships } = await repository.getRoomState(roomId, { userId });
    if (!userExists) throw userNotFound(userId);
    if (!room || !roster) throw roomNotFound(roomId);
    if (!memberships.has(userId)) throw notMember(userId);
    const mode = !room.is_direct && roster.memberCount <= 1 ? 'last-member' : 'ordinary';
    const list = mode === 'last-member' ? ({ kind: 'listed' } as const) : await listChange(room, roster, userId);
    if ((await repository.removeMember(room, userId, now(), mode, list)) !== 'conflict') return;
  }
  throw keptChanging();
}

/** How the leave of `userId` changes the ROSTER's list: a listed member is replaced while unlisted ones remain. */
async function listChange(room: Room, roster: Roster, userId: number): Promise<repository.ListChange> {
  if (!roster.listedIds.includes(userId)) return { kind: 'unlisted' };
  if (!leaveNeedsReplacement(roster, userId)) return { kind: 'listed' };
  const listed = new Set(roster.listedIds);
  const { members } = await repository.membersPage(room.id, { limit: MAX_LISTED_MEMBERS + REPLACEMENT_CANDIDATES });
  const candidates = members.map((member) => member.userId).filter((id) => !listed.has(id));
  // None found: the list changed meanwhile; removing the member fails its condition and the caller re-reads.
  if (candidates.length === 0) return { kind: 'listed' };
  return { kind: 'listed-replaced', by: candidates[Math.floor(Math.random() * candidates.length)]! };
}

export interface RoomMembers {
  id: number;
  member_count: number;
  members: { id: number; username: string | null; joined_at: string }[];
  history?: { id: number; username: string | null; event: 'joined' | 'left'; at: string }[];
  page: { limit: number; next: number | null; history_next?: string | null };
}

/**
 * GET /chat/chatroom/:id/members/: one page of the current members (in id order, after `after`)
 * with their join time and, with `include=past`, one page of the joins and leaves in time order
 * (after `history_after`). For current members only (else 404). One Query per page, then ONE
 * BatchGetItem: the member count, the acting user's membership and the usernames.
 */
export async function roomMembers(roomId: number, userId: number, query: RoomMembersQuery): Promise<RoomMembers> {
  const includePast = query.include === 'past';
  const [{ members, more }, history] = await Promise.all([
    repository.membersPage(roomId, { limit: query.limit, ...(query.after === undefined ? {} : { afterUserId: query.after }) }),
    includePast ? repository.historyPage(roomId, { limit: query.limit, ...(query.history_after === undefined ? {} : { after: query.history_after }) }) : undefined,
  ]);
  const userIds = [userId, ...members.map((member) => member.userId), ...(history?.events ?? []).map((event) => event.userId)];
  const { memberCount, isMember, usernames } = await repository.memberCountAndNames(roomId, userId, [...new Set(userIds)]);
  if (memberCount === undefined || !isMember) throw roomNotFound(roomId);
  if (!usernames.has(userId)) throw userNotFound(userId);
  const name = (id: number) => usernames.get(id) ?? null;
  return {
    id: roomId,
    member_count: memberCount,
    members: members.map((member) => ({ id: member.userId, username: name(member.userId), joined_at: member.joinedAt })),
    ...(history ? { history: history.events.map((event) => ({ id: event.userId, username: name(event.userId), event: event.event, at: event.at })) } : {}),
    page: {
      limit: query.limit,
      next: more ? (members.at(-1)?.userId ?? null) : null,
      ...(history ? { history_next: history.next } : {}),
    },
  };
}
