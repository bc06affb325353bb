/** A room as the domain sees it (the META item). */
export interface Room {
  id: number;
  room_name: string;
  is_direct: boolean;
  /** A direct room's pair of users, lower id first (on META since creation; absent on direct rooms created before it was). */
  pair?: [number, number];
  /** Sequence of the room's latest message (0: none yet); advanced only by the message consumer. */
  lastSequence: number;
  /** Who sent the room's latest messages (lib/reading/unread.ts RoomSequence), as the consumer keeps them. */
  recentSenders?: number[];
}

/** A current membership: who is in a room, since when, and their read watermark. */
export interface Membership {
  roomId: number;
  userId: number;
  joinedAt: string;
  lastSeenSequence: number;
  /** The member's own messages above their watermark that left the room's recent senders (never unread for them). */
  ownAfterWatermark: number[];
}

/**
 * A room's membership bookkeeping (the ROSTER item): how many members it has, and which of them
 * the room's answers list in `room_member` (all of them up to MAX_LISTED_MEMBERS, then that many).
 * Who is a member is decided by the membership items, never by this list.
 */
export interface Roster {
  roomId: number;
  memberCount: number;
  /** The listed members in id order: at most MAX_LISTED_MEMBERS (rosters written before the bound may hold more). */
  listedIds: number[];
}

/** The members a room's answers show: the first MAX_LISTED_MEMBERS listed ones. */
export const shownMemberIds = (roster: Pick<Roster, 'listedIds'>) => roster.listedIds.slice(0, MAX_LISTED_MEMBERS);

export type MembershipEventKind = 'joined' | 'left';

export interface MembershipEvent {
  roomId: number;
  userId: number;
  event: MembershipEventKind;
  at: string;
}

export interface UserName {
  id: number;
  username: string;
}

/** The seed's room shapes. */
export interface RoomSummary {
  id: number;
  room_name: string;
}

export interface RoomWithMembers extends RoomSummary {
  /** At most MAX_LISTED_MEMBERS members; all of them when member_count is not larger. */
  room_member: { username: string }[];
  member_count: number;
  is_direct: boolean;
  /** A direct room: the other user's id (null when it cannot be told: see directPeer); a group room: null. */
  direct_peer: number | null;
}

/**
 * "<username of the lower id> - <username of the higher id>", as the seed names direct rooms.
 */
export function directRoomName(a: UserName, b: UserName): string {
  const [low, high] = a.id < b.id ? [a, b] : [b, a];
  return `${low.username} - ${high.username}`;
}

/**
 * Most initial members a created room may have (creator included): the room, its roster, its name
 * claim and one membership plus one join event per member must fit one 100-item transaction.
 */
export const MAX_INITIAL_MEMBERS = 48;

/**
 * Most members a room's answers list in `room_member` (the seed lists them all): a room of 5,000
 * members must not make every read fetch 5,000 usernames. 50 covers every room as created (at most
 * MAX_INITIAL_MEMBERS); beyond it `member_count` says how many there are and
 * GET /chat/chatroom/:id/members/ pages through them all.
 */
export const MAX_LISTED_MEMBERS = 50;

/**
 * A group room created with no members at all (the seed allows it) holds its name this long for
 * someone to join; after that, creating a room with its name deletes it and takes the name.
 */
export const EMPTY_ROOM_NAME_HOLD_MS = 24 * 60 * 60 * 1000;

/**
 * The other user of a direct room, for `userId` (one of the pair): from the pair on META, else
 * (a room created before META held it) from the roster while both are members; null for a group
 * room, or when neither tells. No request: both items are read with every room answer.
 */
export function directPeer(room: Pick<Room, 'is_direct' | 'pair'>, roster: Pick<Roster, 'listedIds'>, userId: number | undefined): number | null {
  if (!room.is_direct || userId === undefined) return null;
  const ids = room.pair ?? roster.listedIds;
  if (!ids.includes(userId)) return null;
  return ids.find((id) => id !== userId) ?? null;
}

/**
 * The seed's room with members: the listed ones in id order, a deleted user left out, and how many
 * there are; whether it is a direct room and, for `userId`, the other user of a direct room.
 */
export function withMembers(
  room: Pick<Room, 'id' | 'room_name' | 'is_direct' | 'pair'>,
  roster: Pick<Roster, 'listedIds' | 'memberCount'>,
  usernames: Map<number, string>,
  userId?: number,
): RoomWithMembers {
  return {
    id: room.id,
    room_name: room.room_name,
    room_member: shownMemberIds(roster).flatMap((id) => {
      const username = usernames.get(id);
      return username === undefined ? [] : [{ username }];
    }),
    member_count: roster.memberCount,
    is_direct: room.is_direct,
    direct_peer: directPeer(room, roster, userId),
  };
}

/**
 * Which members the roster lists: the first ones to join, up to MAX_LISTED_MEMBERS; a listed member
 * who leaves a room with unlisted members is replaced by one of them (docs/rooms.md).
 */
export function listedAfterJoin(roster: Pick<Roster, 'listedIds'>, joining: number[]): { listed: number[]; unlisted: number[] } {
  const free = Math.max(0, MAX_LISTED_MEMBERS - roster.listedIds.length);
  return { listed: joining.slice(0, free), unlisted: joining.slice(free) };
}

/** A leave of a listed member needs a replacement when unlisted members remain and the list is not over its bound. */
export function leaveNeedsReplacement(roster: Pick<Roster, 'listedIds' | 'memberCount'>, userId: number): boolean {
  const listed = roster.listedIds.length;
  return roster.listedIds.includes(userId) && roster.memberCount > listed && listed <= MAX_LISTED_MEMBERS;
}
