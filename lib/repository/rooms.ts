import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Membership, MembershipEvent, MembershipEventKind, Room, Roster, RoomSummary } from '../rooms/model.ts';
import { batchGet, queryAll } from './batch.ts';
import { ddb, GSI1, tables } from './client.ts';
import { HISTORY_PREFIX, keys, MEMBER_PREFIX } from './keys.ts';
import { failedConditions, retryOnTransactionConflict } from './transactions.ts';

type Item = Record<string, unknown>;
type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

const chat = tables.chat;

// ---------- items ----------

function roomItem(room: Room, createdAt: string): Item {
  return {
    ...keys.room(room.id),
    ...(room.is_direct ? {} : keys.groupRoomListing(room.id)),
    type: 'room',
    id: room.id,
    room_name: room.room_name,
    is_direct: room.is_direct,
    lastSequence: room.lastSequence,
    createdAt,
  };
}

function rosterItem(roomId: number, memberIds: number[]): Item {
  return {
    ...keys.roster(roomId),
    type: 'roster',
    roomId,
    memberCount: memberIds.length,
    members: Object.fromEntries(memberIds.map((id) => [String(id), true])),
  };
}

function memberItem(membership: Membership): Item {
  return { ...keys.member(membership.roomId, membership.userId), ...keys.memberOfUser(membership.roomId, membership.userId), type: 'member', ...membership };
}

function eventItem(event: MembershipEvent): Item {
  return { ...keys.membershipEvent(event.roomId, event.at, event.userId, event.event), type: 'membershipEvent', ...event };
}

export function toRoom(item: Item): Room {
  return { id: Number(item.id), room_name: String(item.room_name), is_direct: item.is_direct === true, lastSequence: Number(item.lastSequence ?? 0) };
}

export function toRoster(item: Item): Roster {
  const members = (item.members ?? {}) as Record<string, unknown>;
  return {
    roomId: Number(item.roomId),
    memberCount: Number(item.memberCount ?? 0),
    memberIds: Object.keys(members).map(Number).sort((a, b) => a - b),
  };
}

export function toMembership(item: Item): Membership {
  return {
    roomId: Number(item.roomId),
    userId: Number(item.userId),
    joinedAt: String(item.joinedAt),
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

/** META and ROSTER of a room (and optionally a user's profile), in one strongly consistent BatchGetItem. */
export async function getRoomState(roomId: number, options: { userId?: number } = {}) {
  const wanted = [keys.room(roomId), keys.roster(roomId), ...(options.userId === undefined ? [] : [keys.user(options.userId)])];
  const items = await batchGet(chat, wanted, { consistent: true });
  const bySk = (pk: string, sk: string) => items.find((item) => item.PK === pk && item.SK === sk);
  const meta = bySk(keys.room(roomId).PK, 'META');
  const roster = bySk(keys.roster(roomId).PK, 'ROSTER');
  const user = options.userId === undefined ? undefined : bySk(keys.user(options.userId).PK, keys.user(options.userId).SK);
  return {
    room: meta ? toRoom(meta) : undefined,
    roster: roster ? toRoster(roster) : undefined,
    userExists: user !== undefined,
  };
}

/**
 * META and ROSTER of many rooms and, with `memberId`, that user's membership of each (with their
 * read state, which GSI1 does not project): one BatchGetItem (100 keys per call, in parallel).
 * Deleted rooms are left out.
 */
export async function getRoomsWithRosters(
  roomIds: number[],
  options: { memberId?: number } = {},
): Promise<{ room: Room; roster: Roster; membership?: Membership }[]> {
  const { memberId } = options;
  const wanted = roomIds.flatMap((id) => [keys.room(id), keys.roster(id), ...(memberId === undefined ? [] : [keys.member(id, memberId)])]);
  const items = await batchGet(chat, wanted);
  const byRoom = new Map<string, { meta?: Item; roster?: Item; membership?: Item }>();
  for (const item of items) {
    const entry = byRoom.get(String(item.PK)) ?? {};
    if (item.SK === 'META') entry.meta = item;
    else if (item.SK === 'ROSTER') entry.roster = item;
    else entry.membership = item;
    byRoom.set(String(item.PK), entry);
  }
  return roomIds.flatMap((id) => {
    const entry = byRoom.get(keys.room(id).PK);
    if (!entry?.meta || !entry.roster) return [];
    return [{ room: toRoom(entry.meta), roster: toRoster(entry.roster), ...(entry.membership ? { membership: toMembership(entry.membership) } : {}) }];
  });
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
 * Current memberships of a room and, if asked, its membership history (in time order): one
 * strongly consistent Query of the room's partition. History sorts before memberships
 * (`HISTORY#` < `MEMBER#`), so both come from one key range.
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
 * it within 100 items). 'claim-taken' when another room holds the claim.
 */
async function insertRoom(claim: Item, room: Room, memberIds: number[], at: string): Promise<'created' | 'claim-taken'> {
  const { memberships, events } = joining(room, memberIds, at);
  try {
    await retryOnTransactionConflict(() =>
      ddb.send(
        new TransactWriteCommand({
          TransactItems: [putNew(claim), putNew(roomItem(room, at)), putNew(rosterItem(room.id, memberIds)), ...memberships, ...events],
        }),
      ),
    );
    return 'created';
  } catch (error) {
    if (failedConditions(error)?.[0]) return 'claim-taken';
    throw error;
  }
}

/** A group room, unique by name. */
export async function insertGroupRoom(room: Room, memberIds: number[], at: string): Promise<'created' | 'name-taken'> {
  const claim = { ...keys.roomName(room.room_name), type: 'roomName', roomId: room.id };
  return (await insertRoom(claim, room, memberIds, at)) === 'created' ? 'created' : 'name-taken';
}

/** The direct room of a pair, one per pair: 'pair-taken' when another request created it first. */
export async function insertDirectRoom(room: Room, memberIds: [number, number], at: string): Promise<'created' | 'pair-taken'> {
  const claim = { ...keys.directPair(memberIds[0], memberIds[1]), type: 'directPair', roomId: room.id };
  return (await insertRoom(claim, room, memberIds, at)) === 'created' ? 'created' : 'pair-taken';
}

/**
 * Adds members to an existing room: their memberships (watermark at the room's `lastSequence`)
 * and join events, and the ROSTER update, in one transaction. The ROSTER must still exist (a room
 * deleted by its last leave cannot be joined) and must not list them yet.
 * 'conflict': someone is already a member or the room is gone (the caller re-reads to tell which).
 */
export async function addMembers(room: Room, userIds: number[], at: string): Promise<'joined' | 'conflict'> {
  const { memberships, events } = joining(room, userIds, at);
  const names = Object.fromEntries(userIds.map((id, i) => [`#u${i}`, String(id)]));
  const rosterUpdate: TransactItem = {
    Update: {
      TableName: chat,
      Key: keys.roster(room.id),
      UpdateExpression: `SET ${userIds.map((_, i) => `#members.#u${i} = :true`).join(', ')} ADD memberCount :added`,
      ConditionExpression: ['attribute_exists(PK)', ...userIds.map((_, i) => `attribute_not_exists(#members.#u${i})`)].join(' AND '),
      ExpressionAttributeNames: { '#members': 'members', ...names },
      ExpressionAttributeValues: { ':true': true, ':added': userIds.length },
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

/**
 * Removes a member: deletes the membership, updates the ROSTER and records the leave, in one
 * transaction. `lastMember` (group rooms only) also deletes the room: ROSTER, META and name claim,
 * on condition that the roster still counts exactly this one member — a concurrent join makes the
 * condition fail and the caller retries as an ordinary leave. Otherwise, for group rooms, the
 * ROSTER must count more than one member, so two concurrent "ordinary" leaves can never both leave
 * an empty room behind.
 * 'conflict': the user is no longer a member, or the member count is not what the caller expected.
 */
export async function removeMember(
  room: Room,
  userId: number,
  at: string,
  mode: 'last-member' | 'ordinary',
): Promise<'left' | 'room-deleted' | 'conflict'> {
  const names = { '#members': 'members', '#u': String(userId) };
  const deleteMembership: TransactItem = { Delete: { TableName: chat, Key: keys.member(room.id, userId), ConditionExpression: 'attribute_exists(PK)' } };
  const leftEvent = put(eventItem({ roomId: room.id, userId, event: 'left', at }));
  const deleteRoom = mode === 'last-member' && !room.is_direct;
  const rosterChange: TransactItem[] = deleteRoom
    ? [
        {
          Delete: {
            TableName: chat,
            Key: keys.roster(room.id),
            ConditionExpression: 'memberCount = :one AND attribute_exists(#members.#u)',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: { ':one': 1 },
          },
        },
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
    : [
        {
          Update: {
            TableName: chat,
            Key: keys.roster(room.id),
            UpdateExpression: 'REMOVE #members.#u ADD memberCount :minus',
            ConditionExpression: room.is_direct ? 'attribute_exists(#members.#u)' : 'attribute_exists(#members.#u) AND memberCount > :one',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: room.is_direct ? { ':minus': -1 } : { ':minus': -1, ':one': 1 },
          },
        },
      ];
  try {
    await retryOnTransactionConflict(() => ddb.send(new TransactWriteCommand({ TransactItems: [deleteMembership, ...rosterChange, leftEvent] })));
    return deleteRoom ? 'room-deleted' : 'left';
  } catch (error) {
    if (failedConditions(error)?.some(Boolean)) return 'conflict';
    throw error;
  }
}
