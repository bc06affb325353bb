import { notFound, validationFailed } from '../errors.ts';
import type { StoredMessage } from '../messages/model.ts';
import { queryMessageRange } from '../repository/messages.ts';
import { readerRooms, type ReaderRoom } from '../repository/read-state.ts';
import { membersPage, roomIdsOfUser, usernamesOf } from '../repository/rooms.ts';
import { DYNAMODB_BUDGET } from '../repository/client.ts';
import { MAX_SEQUENCE } from '../repository/keys.ts';
import { shownMemberIds, withMembers, type Membership, type Room, type Roster } from '../rooms/model.ts';
import { markSeen } from './mark-seen.ts';
import { toReadMessage, type ReaderUserName, type RoomMessages, type UnseenRoom } from './model.ts';
import { pageQuery, toPage, type PageRequest } from './page.ts';
import { seenThrough, unreadCount } from './unread.ts';

/** Most unseen messages one answer holds per room, oldest first. */
export const MAX_UNSEEN_PER_ROOM = 100;
/**
 * `seen_by` is answered for rooms of at most this many members: one Query page of their read
 * watermarks and their usernames (a read receipt per member of a 5,000-member room is neither
 * cheap nor readable).
 */
export const MAX_SEEN_BY_MEMBERS = 100;
/** How often a long poll re-reads the rooms' sequences and the user's watermarks. */
export const POLL_INTERVAL_MS = 500;
/**
 * Time kept back from the Lambda's remaining time after the last poll: one DynamoDB call that
 * fails after its whole budget (lib/repository/client.ts), and a second to assemble the answer.
 */
export const ANSWER_RESERVE_MS = DYNAMODB_BUDGET.callMs + 1000;

const roomNotFound = (roomId: number) => notFound(`Room ${roomId}`);
const userNotFound = (userId: number) => notFound(`User ${userId}`);

/** A room the reader currently belongs to, with everything a reading request needs of it. */
interface MemberRoom {
  room: Room;
  roster: Roster;
  membership: Membership;
}

function asMemberRoom(userId: number, reader: ReaderRoom): MemberRoom | undefined {
  const { room, roster, membership } = reader;
  return room && roster && membership ? { room, roster, membership } : undefined;
}

/**
 * GET /chat/messages/:room_id/: one page of a room's history (the newest page unless `before` or
 * `after` say otherwise), for current members only (404 otherwise, as for rooms). Reading marks the
 * page seen: the reader's watermark moves up to the page's newest message, concurrently with
 * looking up the usernames (of the page's senders and the room's listed members only).
 * DynamoDB: 1 BatchGetItem (user, META, ROSTER, membership) + 1 Query (the page) + 1 BatchGetItem
 * (usernames, 100 per call) + at most 1 UpdateItem (the watermark); with `seenBy` (rooms of at most
 * MAX_SEEN_BY_MEMBERS), 1 more Query (the room's memberships), run with the page's.
 */
export async function readRoomMessages(roomId: number, userId: number, request: PageRequest, options: { seenBy: boolean }): Promise<RoomMessages> {
  const { rooms, username } = await readerRooms(userId, [roomId], { withRosters: true, withUser: true });
  if (username === undefined) throw userNotFound(userId);
  const member = rooms[0] && asMemberRoom(userId, rooms[0]);
  if (!member) throw roomNotFound(roomId);
  const { room, roster, membership } = member;
  if (options.seenBy && roster.memberCount > MAX_SEEN_BY_MEMBERS) {
    throw validationFailed('seen_by is answered for rooms of at most 100 members.', {
      seen_by: [`This room has ${roster.memberCount} members; seen_by is answered for rooms of at most ${MAX_SEEN_BY_MEMBERS}.`],
    });
  }

  const query = pageQuery(request);
  const [answer, memberships] = await Promise.all([
    query ? queryMessageRange(roomId, { from: query.from, to: query.to, newestFirst: query.newestFirst, limit: query.fetch }) : undefined,
    options.seenBy ? membersPage(roomId, { limit: MAX_SEEN_BY_MEMBERS }).then(({ members }) => members) : undefined,
  ]);
  const { items, page } = toPage(request, answer && { items: answer.messages, cut: answer.cut }, room.lastSequence);

  const newest = items.at(-1)?.sequence;
  const [usernames] = await Promise.all([
    usernamesOf(unique([...shownMemberIds(roster), ...items.map((message) => message.senderId), ...(memberships ?? []).map((m) => m.userId)])),
    newest === undefined ? undefined : markSeen(roomId, userId, membership, newest),
  ]);
  const name = (id: number): ReaderUserName => ({ id, username: usernames.get(id) ?? null });

  const messages = items.map((message) => {
    const view = toReadMessage(message, room, name);
    if (!memberships) return view;
    // The reader has now seen the whole page, whatever their stored watermark says.
    const seenBy = memberships
      .filter((m) => m.userId !== message.senderId && (m.userId === userId || m.lastSeenSequence >= message.sequence))
      .map((m) => name(m.userId));
    return { ...view, seen_by: seenBy };
  });
  return { ...withMembers(room, roster, usernames, userId), messages, page };
}

/**
 * GET /chat/messages/unseen/: for every room of the user (the seed lists them all, even without
 * news), the messages after their watermark that they did not send, oldest first, at most
 * MAX_UNSEEN_PER_ROOM per room; then marks what it returns seen. Rooms without news cost no Query:
 * their META's `lastSequence` and the user's read state (one BatchGetItem for all rooms) show it.
 * With `waitSeconds`, a long poll without any server-side session: the same BatchGetItem again
 * every POLL_INTERVAL_MS until something is unseen or the wait (bounded by the Lambda's remaining
 * time) is over; then the answer, empty if nothing came.
 */
export async function unseenMessages(userId: number, options: { waitSeconds: number; remainingMs: () => number }): Promise<UnseenRoom[]> {
  const deadline = Date.now() + Math.max(0, Math.min(options.waitSeconds * 1000, options.remainingMs() - ANSWER_RESERVE_MS));
  const roomIds = await roomIdsOfUser(userId);
  const first = await readerRooms(userId, roomIds, { withRosters: true, withUser: true });
  if (first.username === undefined) throw userNotFound(userId);
  // GSI1 is eventually consistent: the membership item (read strongly consistent) has the last word.
  let rooms = first.rooms.flatMap((reader) => asMemberRoom(userId, reader) ?? []);

  let news = rooms.filter(hasNews);
  while (news.length === 0 && rooms.length > 0 && Date.now() < deadline) {
    await sleep(Math.min(POLL_INTERVAL_MS, deadline - Date.now()));
    rooms = refreshed(rooms, (await readerRooms(userId, rooms.map(({ room }) => room.id))).rooms);
    news = rooms.filter(hasNews);
  }

  const unseen = new Map(
    await Promise.all(
      news.map(async ({ room, membership }) => {
        // Past the member's own messages right above their watermark: nothing there is unseen.
        const from = seenThrough(room, membership) + 1;
        const { messages, cut } = await queryMessageRange(room.id, { from, to: MAX_SEQUENCE, newestFirst: false, limit: MAX_UNSEEN_PER_ROOM + 1 });
        const returned = messages.slice(0, MAX_UNSEEN_PER_ROOM);
        return [room.id, { returned, hasMore: messages.length > MAX_UNSEEN_PER_ROOM || cut }] as const;
      }),
    ),
  );

  const [usernames] = await Promise.all([
    usernamesOf(unique([...rooms.flatMap(({ roster }) => shownMemberIds(roster)), ...[...unseen.values()].flatMap(({ returned }) => returned.map((m) => m.senderId))])),
    ...rooms.map(({ room, membership }) => {
      const newest = unseen.get(room.id)?.returned.at(-1)?.sequence;
      return newest === undefined ? undefined : markSeen(room.id, userId, membership, newest);
    }),
  ]);
  const name = (id: number): ReaderUserName => ({ id, username: usernames.get(id) ?? null });

  return rooms.map(({ room, roster }) => {
    const found = unseen.get(room.id);
    const mine = (message: StoredMessage) => message.senderId === userId;
    return {
      ...withMembers(room, roster, usernames, userId),
      messages: (found?.returned ?? []).filter((message) => !mine(message)).map((message) => toReadMessage(message, room, name)),
      has_more: found?.hasMore ?? false,
    };
  });
}

const hasNews = ({ room, membership }: MemberRoom) => unreadCount(room, membership) > 0;

/** The rooms with their re-read META and membership; a room the user left meanwhile drops out. */
function refreshed(rooms: MemberRoom[], polled: ReaderRoom[]): MemberRoom[] {
  const byId = new Map(polled.map((reader) => [reader.roomId, reader]));
  return rooms.flatMap(({ room, roster }) => {
    const now = byId.get(room.id);
    return now?.room && now.membership ? [{ room: now.room, roster, membership: now.membership }] : [];
  });
}

const unique = (ids: number[]) => [...new Set(ids)];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
