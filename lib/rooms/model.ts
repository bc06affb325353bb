/** A room as the domain sees it (the META item). */
export interface Room {
  id: number;
  room_name: string;
  is_direct: boolean;
  /** Sequence of the room's latest message (0: none yet); advanced only by the message consumer. */
  lastSequence: number;
}

/** A current membership: who is in a room, since when, and their read watermark. */
export interface Membership {
  roomId: number;
  userId: number;
  joinedAt: string;
  lastSeenSequence: number;
  /** The member's own messages above their watermark (never unread for them). */
  ownAfterWatermark: number[];
}

/** A room's membership bookkeeping (the ROSTER item). */
export interface Roster {
  roomId: number;
  memberCount: number;
  memberIds: number[];
}

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
  room_member: { username: string }[];
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

/** The seed's room with members: in the order given (id order), a deleted user left out. */
export function withMembers(room: RoomSummary, memberIds: number[], usernames: Map<number, string>): RoomWithMembers {
  return {
    id: room.id,
    room_name: room.room_name,
    room_member: memberIds.flatMap((id) => {
      const username = usernames.get(id);
      return username === undefined ? [] : [{ username }];
    }),
  };
}
