import { GetCommand, QueryCommand, TransactWriteCommand } from '../aws/dynamodb.ts';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  MAX_LISTED_MEMBERS,
  type Membership,
  type MembershipEvent,
  type MembershipEventKind,
  type Room,
  type Roster,
  type RoomSummary,
} from '../rooms/model.ts';
import { batchGet, queryAll } from './batch.ts';
import { ddb, GSI1, tables } from './client.ts';
import type { ReadState } from '../reading/unread.ts';
import { HISTORY_PREFIX, keys, MEMBER_PREFIX } from './keys.ts';
import { cancellationReasons, failedConditions, retryOnTransactionConflict } from './transactions.ts';

type Item = Record<string, unknown>;
type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

const chat = tables.chat;

// ---------- items ----------

/** A room's META as created (also for tests of its size). */
export function roomItem(room: Room, createdAt: string): Item {
  return {
    ...keys.room(room.id),
    ...(room.is_direct ? {} : keys.groupRoomListing(room.id)),
    type: 'room',
    id: room.id,
    room_name: room.room_name,
    is_direct: room.is_direct,
    ...(room.pair ? { pair: room.pair } : {}),
    lastSequence: room.lastSequence,
    createdAt,
  };
}

/** The count and the listed members (the first MAX_LISTED_MEMBERS, a room being created with at most 48). Also for seeding (tests, bench). */
export function rosterItem(roomId: number, memberIds: number[]): Item {
  return {
    ...keys.roster(roomId),
    type: 'roster',
    roomId,
    memberCount: memberIds.length,
    members: Object.fromEntries(memberIds.slice(0, MAX_LISTED_MEMBERS).map((id) => [String(id), true])),
  };
}

/** A membership item (also for seeding: tests, bench). */
export function memberItem(membership: Membership): Item {
  return { ...keys.member(membership.roomId, membership.userId), ...keys.memberOfUser(membership.roomId, membership.userId), type: 'member', ...membership };
}

function eventItem(event: MembershipEvent): Item {
  return { ...keys.membershipEvent(event.roomId, event.at, event.userId, event.event), type: 'membershipEvent', ...event };
}

export function toRoom(item: Item): Room {
  const recent = recentSendersOf(item);
  const pair = Array.isArray(item.pair) && item.pair.length === 2 ? ([Number(item.pair[0]), Number(item.pair[1])] as [number, number]) : undefined;
  return {
    id: Number(item.id),
    room_name: String(item.room_name),
    is_direct: item.is_direct === true,
    ...(pair ? { pair } : {}),
    lastSequence: Number(item.lastSequence ?? 0),
    ...(recent.length > 0 ? { recentSenders: recent } : {}),
  };
}

/**
 * A META's recent senders, trusted only when they end at its lastSequence (`recentUpTo`): a
 * sequence moved without them (by a consumer of before they existed) leaves them meaning nothing.
 */
export function recentSendersOf(meta: Item): number[] {
  const senders = Array.isArray(meta.recentSenders) ? meta.recentSenders.map(Number) : [];
  return senders.length > 0 && Number(meta.recentUpTo) === Number(meta.lastSequence ?? 0) ? senders : [];
}

export function toRoster(item: Item): Roster {
  const members = (item.members ?? {}) as Record<string, unknown>;
  return {
    roomId: Number(item.roomId),
    memberCount: Number(item.memberCount ?? 0),
    listedIds: Object.keys(members).map(Number).sort((a, b) => a - b),
  };
}

export function toMembership(item: Item): Membership {
  return {
    roomId: Number(item.roomId),
    userId: Number(item.userId),
    joinedAt: String(item.joinedAt),
    ...toReadState(item),
  };
}

/** A membership item's read state (also from a projection of just its read-state attributes). */
export function toReadState(item: Item): ReadState {
  return {
    lastSeenSequence: Number(item.lastSeenSequence ?? 0),
    ownAfterWatermark: ((item.ownAfterWatermark as unknown[] | undefined) ?? []).map(Number),
  };
}

function toEvent(item: Item): MembershipEvent {
  return { roomId: Number(item.roomId), userId: Number(item.userId), event: item.event as MembershipEventKind, at: String(item.at) };
}

const put = (Item: Item, ConditionExpression?: string): TransactItem => ({ Put: { TableName: chat, Item, ...(ConditionExpression ? { ConditionExpression } : {}) } });
const putNew = (item: Item) => put(item, 'attribute_not_exists(PK)');

function joining(room: Room, userIds: number[], at: string): { memberships: TransactItem[]; events: TransactItem[] } {
  return {
    memberships: userIds.map((userId) =>
      putNew(memberItem({ roomId: room.id, userId, joinedAt: at, lastSeenSequence: room.lastSequence, ownAfterWatermark: [] })),
    ),
    events: userIds.map((userId) => put(eventItem({ roomId: room.id, userId, event: 'joined', at }))),
  };
}

const find = (items: Item[], key: { PK: string; SK: string }) => items.find((item) => item.PK === key.PK && item.SK === key.SK);

// ---------- reads ----------

export async function getRoom(roomId: number): Promise<Room | undefined> {
  const { Item } = await ddb.send(new GetCommand({ TableName: chat, Key: keys.room(roomId) }));
  return Item ? toRoom(Item) : undefined;
}

export async function getMembership(roomId: number, userId: number): Promise<Membership | undefined> {
  const { Item } = await ddb.send(new GetCommand({ TableName: chat, Key: keys.member(roomId, userId), ConsistentRead: true }));
  return Item ? toMembership(Item) : undefined;
}

export async function getDirectRoomId(userA: number, userB: number): Promise<number | undefined> {
  const { Item } = await ddb.send(new GetCommand({ TableName: chat, Key: keys.directPair(userA, userB), ConsistentRead: true }));
  return Item ? Number(Item.roomId) : undefined;
}

export interface RoomState {
  room?: Room;
  roster?: Roster;
  /** When META was written (the room's creation). */
  createdAt?: string;
  /** Whether the user asked about exists (false when none was asked about). */
  userExists: boolean;
  /** The memberships of the users asked about that exist. */
  memberships: Map<number, Membership>;
}

/**
 * META and ROSTER of a room, optionally a user's profile and some users' memberships, in one
 * strongly consistent BatchGetItem: what a join, a leave or a room read decides on.
 */
export async function getRoomState(roomId: number, options: { userId?: number; memberIds?: number[] } = {}): Promise<RoomState> {
  const memberIds = [...new Set([...(options.userId === undefined ? [] : [options.userId]), ...(options.memberIds ?? [])])];
  const wanted = [
    keys.room(roomId),
    keys.roster(roomId),
    ...(options.userId === undefined ? [] : [keys.user(options.userId)]),
    ...memberIds.map((id) => keys.member(roomId, id)),
  ];
  const items = await batchGet(chat, wanted, { consistent: true });
  const meta = find(items, keys.room(roomId));
  const roster = find(items, keys.roster(roomId));
  const memberships = new Map<number, Membership>();
  for (const id of memberIds) {
    const item = find(items, keys.member(roomId, id));
    if (item) memberships.set(id, toMembership(item));
  }
  return {
    ...(meta ? { room: toRoom(meta), createdAt: String(meta.createdAt) } : {}),
    ...(roster ? { roster: toRoster(roster) } : {}),
    userExists: options.userId !== undefined && find(items, keys.user(options.userId)) !== undefined,
    memberships,
  };
}

/**
 * META, ROSTER and a user's membership of many rooms (with their read state, which GSI1 does not
 * project): one strongly consistent BatchGetItem (100 keys per call, in parallel). Rooms that are
 * gone or that the user is not (or no longer) a member of are left out.
 */
export async function getMemberRooms(roomIds: number[], memberId: number): Promise<{ room: Room; roster: Roster; membership: Membership }[]> {
  const wanted = roomIds.flatMap((id) => [keys.room(id), keys.roster(id), keys.member(id, memberId)]);
  const items = await batchGet(chat, wanted, { consistent: true });
  return roomIds.flatMap((id) => {
    const [meta, roster, membership] = [find(items, keys.room(id)), find(items, keys.roster(id)), find(items, keys.member(id, memberId))];
    return meta && roster && membership ? [{ room: toRoom(meta), roster: toRoster(roster), membership: toMembership(membership) }] : [];
  });
}

/**
 * What a page of members needs besides the page, in ONE BatchGetItem (strongly consistent): the
 * room's member count, whether `memberId` is a member, and the usernames of `userIds`.
 */
export async function memberCountAndNames(roomId: number, memberId: number, userIds: number[]) {
  const items = await batchGet(chat, [keys.roster(roomId), keys.member(roomId, memberId), ...userIds.map(keys.user)], {
    consistent: true,
    attributes: ['PK', 'SK', 'memberCount', 'id', 'username'],
  });
  const roster = find(items, keys.roster(roomId));
  const usernames = new Map<number, string>();
  for (const item of items) if (item.SK === keys.user(0).SK && item.id !== undefined) usernames.set(Number(item.id), String(item.username));
  return {
    memberCount: roster ? Number(roster.memberCount ?? 0) : undefined,
    isMember: find(items, keys.member(roomId, memberId)) !== undefined,
    usernames,
  };
}

/** Usernames of users by id (BatchGetItem, projection id + username); unknown ids are absent. */
export async function usernamesOf(userIds: number[]): Promise<Map<number, string>> {
  const items = await batchGet(chat, userIds.map(keys.user), { attributes: ['id', 'username'] });
  return new Map(items.map((item) => [Number(item.id), String(item.username)]));
}

/**
 * In one BatchGetItem: user ids of usernames (through their username claims) and usernames of
 * user ids. Unknown names and ids are absent from the maps.
 */
export async function lookupUsers(query: { usernames: string[]; userIds: number[] }) {
  const items = await batchGet(chat, [...query.usernames.map(keys.username), ...query.userIds.map(keys.user)], {
    attributes: ['PK', 'userId', 'id', 'username'],
  });
  const nameOfClaim = new Map(query.usernames.map((name) => [keys.username(name).PK, name]));
  const idsByUsername = new Map<string, number>();
  const usernamesById = new Map<number, string>();
  for (const item of items) {
    const claimed = nameOfClaim.get(String(item.PK));
    if (claimed !== undefined && item.userId !== undefined) idsByUsername.set(claimed, Number(item.userId));
    else if (item.id !== undefined) usernamesById.set(Number(item.id), String(item.username));
  }
  return { idsByUsername, usernamesById };
}

/** Every group room in id order: one (paged) Query of the listing partition of GSI1. */
export async function listGroupRooms(): Promise<RoomSummary[]> {
  const items = await queryAll({
    TableName: chat,
    IndexName: GSI1,
    KeyConditionExpression: 'GSI1PK = :pk',
    ExpressionAttributeValues: { ':pk': keys.groupRoomsPartition().GSI1PK },
    ProjectionExpression: 'id, room_name',
  });
  return items.map((item) => ({ id: Number(item.id), room_name: String(item.room_name) }));
}

/** Ids of the rooms a user currently belongs to, in id order: one (paged) Query of GSI1. */
export async function roomIdsOfUser(userId: number): Promise<number[]> {
  const items = await queryAll({
    TableName: chat,
    IndexName: GSI1,
    KeyConditionExpression: 'GSI1PK = :pk',
    ExpressionAttributeValues: { ':pk': keys.roomsOfUserPartition(userId).GSI1PK },
    ProjectionExpression: 'roomId',
  });
  return items.map((item) => Number(item.roomId));
}

/**
 * One page of a room's current members in id order, after `afterUserId`: ONE strongly consistent
 * Query of the room's MEMBER# items, `limit` + 1 of them (the extra one tells whether more remain).
 */
export async function membersPage(roomId: number, page: { limit: number; afterUserId?: number }): Promise<{ members: Membership[]; more: boolean }> {
  const { items, more } = await roomRangePage(roomId, keys.member(roomId, (page.afterUserId ?? 0) + 1).SK, `${MEMBER_PREFIX}~`, page.limit);
  return { members: items.map(toMembership), more };
}

/**
 * One page of a room's membership history in time order, after the event `after` (the cursor a
 * previous page answered): ONE strongly consistent Query of the room's HISTORY# items.
 */
export async function historyPage(roomId: number, page: { limit: number; after?: string }): Promise<{ events: MembershipEvent[]; next: string | null }> {
  // `#` sorts before every character of a cursor: starting just after it skips the cursor's event.
  const from = page.after === undefined ? HISTORY_PREFIX : `${HISTORY_PREFIX}${page.after}#`;
  const { items, more } = await roomRangePage(roomId, from, `${HISTORY_PREFIX}~`, page.limit);
  const last = items.at(-1);
  return { events: items.map(toEvent), next: more && last ? String(last.SK).slice(HISTORY_PREFIX.length) : null };
}

/**
 * At most `limit` items of the room's partition with a sort key in [from, to], in key order: ONE
 * strongly consistent Query of `limit` + 1 items, the extra one telling whether more remain.
 */
async function roomRangePage(roomId: number, from: string, to: string, limit: number): Promise<{ items: Item[]; more: boolean }> {
  const { Items = [] } = await ddb.send(
    new QueryCommand({
      TableName: chat,
      ConsistentRead: true,
      KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': keys.roomPartition(roomId).PK, ':from': from, ':to': to },
      Limit: limit + 1,
    }),
  );
  return { items: Items.slice(0, limit), more: Items.length > limit };
}

/**
 * Every current membership of a room and, if asked, its whole membership history (in time order),
 * page after page. For tests and tools only: request paths read one page (membersPage, historyPage).
 */
export async function roomMemberships(roomId: number, options: { withHistory: boolean }) {
  const { PK } = keys.roomPartition(roomId);
  const items = await queryAll({
    TableName: chat,
    ConsistentRead: true,
    ...(options.withHistory
      ? {
          KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': PK, ':from': HISTORY_PREFIX, ':to': `${MEMBER_PREFIX}~` },
        }
      : {
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :member)',
          ExpressionAttributeValues: { ':pk': PK, ':member': MEMBER_PREFIX },
        }),
  });
  return {
    members: items.filter((item) => item.type === 'member').map(toMembership),
    history: items.filter((item) => item.type === 'membershipEvent').map(toEvent),
  };
}

// ---------- writes ----------

/**
 * Creates a room in one transaction: the claim that makes it unique (a group room's name, a direct
 * room's pair), META, ROSTER, and each initial member's membership and join event (the caller keeps
 * it within 100 items). 'claim-taken' with the id of the room holding the claim.
 */
async function insertRoom(claim: Item, room: Room, memberIds: number[], at: string): Promise<{ outcome: 'created' } | { outcome: 'claim-taken'; holder?: number }> {
  const { memberships, events } = joining(room, memberIds, at);
  const claimPut: TransactItem = { Put: { TableName: chat, Item: claim, ConditionExpression: 'attribute_not_exists(PK)', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } };
  try {
    await retryOnTransactionConflict(() =>
      ddb.send(new TransactWriteCommand({ TransactItems: [claimPut, putNew(roomItem(room, at)), putNew(rosterItem(room.id, memberIds)), ...memberships, ...events] })),
    );
    return { outcome: 'created' };
  } catch (error) {
    const reason = cancellationReasons(error)?.[0];
    if (reason?.Code === 'ConditionalCheckFailed') {
      const holder = reason.Item ? Number(unmarshall(reason.Item).roomId) : undefined;
      return { outcome: 'claim-taken', ...(holder === undefined ? {} : { holder }) };
    }
    throw error;
  }
}

/** A group room, unique by name: 'name-taken' with the id of the room that holds the name. */
export async function insertGroupRoom(room: Room, memberIds: number[], at: string): Promise<{ outcome: 'created' } | { outcome: 'name-taken'; holder?: number }> {
  const claim = { ...keys.roomName(room.room_name), type: 'roomName', roomId: room.id };
  const inserted = await insertRoom(claim, room, memberIds, at);
  return inserted.outcome === 'created' ? inserted : { ...inserted, outcome: 'name-taken' };
}

/** The direct room of a pair, one per pair: 'pair-taken' when another request created it first. */
export async function insertDirectRoom(room: Room, memberIds: [number, number], at: string): Promise<'created' | 'pair-taken'> {
  const claim = { ...keys.directPair(memberIds[0], memberIds[1]), type: 'directPair', roomId: room.id };
  return (await insertRoom(claim, room, memberIds, at)).outcome === 'created' ? 'created' : 'pair-taken';
}

/**
 * Deletes a group room that nobody ever joined (created without members) once it has held its name
 * long enough: its name claim, META and ROSTER, in one transaction, on condition that the ROSTER
 * still counts no member (a racing join wins) and META was created before `createdBefore`.
 * 'kept': a condition failed (someone joined, or the room is younger or gone).
 */
export async function deleteEmptyRoom(room: Room, createdBefore: string): Promise<'deleted' | 'kept'> {
  try {
    await retryOnTransactionConflict(() =>
      ddb.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Delete: {
                TableName: chat,
                Key: keys.roomName(room.room_name),
                ConditionExpression: 'roomId = :room',
                ExpressionAttributeValues: { ':room': room.id },
              },
            },
            { Delete: { TableName: chat, Key: keys.roster(room.id), ConditionExpression: 'memberCount = :zero', ExpressionAttributeValues: { ':zero': 0 } } },
            {
              Delete: {
                TableName: chat,
                Key: keys.room(room.id),
                ConditionExpression: 'createdAt < :before',
                ExpressionAttributeValues: { ':before': createdBefore },
              },
            },
          ],
        }),
      ),
    );
    return 'deleted';
  } catch (error) {
    if (failedConditions(error)?.some(Boolean)) return 'kept';
    throw error;
  }
}

/**
 * Adds members to an existing room in one transaction: their memberships (watermark at the room's
 * `lastSequence`, each on condition that it does not exist yet), join events, and the ROSTER's count
 * and list. `listed` join the ROSTER's list, on condition that it still has room for them; `unlisted`
 * on condition that it is still full (so the list holds the first MAX_LISTED_MEMBERS members, never
 * more, never fewer while more exist). The ROSTER must still exist (a room deleted by its last leave
 * cannot be joined). 'conflict': someone is already a member, the room is gone or the list changed
 * (the caller re-reads to tell which).
 */
export async function addMembers(room: Room, members: { listed: number[]; unlisted: number[] }, at: string): Promise<'joined' | 'conflict'> {
  const userIds = [...members.listed, ...members.unlisted];
  const { memberships, events } = joining(room, userIds, at);
  const names = Object.fromEntries(members.listed.map((id, i) => [`#u${i}`, String(id)]));
  const conditions = ['attribute_exists(PK)'];
  const values: Record<string, unknown> = { ':added': userIds.length };
  if (members.listed.length > 0) {
    conditions.push('size(#members) <= :roomFor');
    values[':roomFor'] = MAX_LISTED_MEMBERS - members.listed.length;
  }
  if (members.unlisted.length > 0) {
    conditions.push('size(#members) >= :full');
    values[':full'] = MAX_LISTED_MEMBERS - members.listed.length;
  }
  if (members.listed.length > 0) values[':true'] = true;
  const rosterUpdate: TransactItem = {
    Update: {
      TableName: chat,
      Key: keys.roster(room.id),
      UpdateExpression: `${members.listed.length > 0 ? `SET ${members.listed.map((_, i) => `#members.#u${i} = :true`).join(', ')} ` : ''}ADD memberCount :added`,
      ConditionExpression: conditions.join(' AND '),
      ExpressionAttributeNames: { '#members': 'members', ...names },
      ExpressionAttributeValues: values,
    },
  };
  try {
    await retryOnTransactionConflict(() => ddb.send(new TransactWriteCommand({ TransactItems: [rosterUpdate, ...memberships, ...events] })));
    return 'joined';
  } catch (error) {
    if (failedConditions(error)?.some(Boolean)) return 'conflict';
    throw error;
  }
}

/** How a leave changes the ROSTER's list (lib/rooms/service.ts decides from the ROSTER it read). */
export type ListChange = { kind: 'unlisted' } | { kind: 'listed' } | { kind: 'listed-replaced'; by: number };

/**
 * Removes a member: deletes the membership, updates the ROSTER and records the leave, in one
 * transaction. `last-member` (group rooms only) also deletes the room: ROSTER, META and name claim,
 * on condition that the roster still counts exactly one member — a concurrent join makes the
 * condition fail and the caller retries as an ordinary leave. Otherwise, for group rooms, the
 * ROSTER must count more than one member, so two concurrent "ordinary" leaves can never both leave
 * an empty room behind. The ROSTER's list loses the member (`listed`; on condition that every member
 * is listed, or the list is over its bound) or swaps it for `by`, an unlisted member (whose
 * membership must still exist); an `unlisted` member must still not be listed.
 * 'conflict': the user is no longer a member, or the ROSTER is not what the caller expected.
 */
export async function removeMember(
  room: Room,
  userId: number,
  at: string,
  mode: 'last-member' | 'ordinary',
  list: ListChange,
): Promise<'left' | 'room-deleted' | 'conflict'> {
  const deleteMembership: TransactItem = { Delete: { TableName: chat, Key: keys.member(room.id, userId), ConditionExpression: 'attribute_exists(PK)' } };
  const leftEvent = put(eventItem({ roomId: room.id, userId, event: 'left', at }));
  const deleteRoom = mode === 'last-member' && !room.is_direct;
  const rosterChange: TransactItem[] = deleteRoom
    ? [
        { Delete: { TableName: chat, Key: keys.roster(room.id), ConditionExpression: 'memberCount = :one', ExpressionAttributeValues: { ':one': 1 } } },
        { Delete: { TableName: chat, Key: keys.room(room.id) } },
        {
          Delete: {
            TableName: chat,
            Key: keys.roomName(room.room_name),
            ConditionExpression: 'attribute_not_exists(PK) OR roomId = :room',
            ExpressionAttributeValues: { ':room': room.id },
          },
        },
      ]
    : ordinaryLeave(room, userId, list);
  try {
    await retryOnTransactionConflict(() => ddb.send(new TransactWriteCommand({ TransactItems: [deleteMembership, ...rosterChange, leftEvent] })));
    return deleteRoom ? 'room-deleted' : 'left';
  } catch (error) {
    if (failedConditions(error)?.some(Boolean)) return 'conflict';
    throw error;
  }
}

function ordinaryLeave(room: Room, userId: number, list: ListChange): TransactItem[] {
  const names: Record<string, string> = { '#members': 'members', '#u': String(userId) };
  const values: Record<string, unknown> = { ':minus': -1 };
  const conditions: string[] = [];
  if (!room.is_direct) {
    conditions.push('memberCount > :one');
    values[':one'] = 1;
  }
  let update = 'ADD memberCount :minus';
  if (list.kind === 'unlisted') conditions.push('attribute_not_exists(#members.#u)');
  if (list.kind === 'listed') {
    update = `REMOVE #members.#u ${update}`;
    conditions.push('attribute_exists(#members.#u)', '(memberCount <= size(#members) OR size(#members) > :bound)');
    values[':bound'] = MAX_LISTED_MEMBERS;
  }
  if (list.kind === 'listed-replaced') {
    names['#by'] = String(list.by);
    values[':true'] = true;
    update = `REMOVE #members.#u SET #members.#by = :true ${update}`;
    conditions.push('attribute_exists(#members.#u)', 'attribute_not_exists(#members.#by)');
  }
  return [
    {
      Update: {
        TableName: chat,
        Key: keys.roster(room.id),
        UpdateExpression: update,
        ConditionExpression: conditions.join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    },
    ...(list.kind === 'listed-replaced'
      ? [{ ConditionCheck: { TableName: chat, Key: keys.member(room.id, list.by), ConditionExpression: 'attribute_exists(PK)' } } as TransactItem]
      : []),
  ];
}
