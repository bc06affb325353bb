import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '../aws/dynamodb.ts';
import { admitConnection, expiresAt, isLive, type ConnectionMap, type LiveConnection } from '../realtime/connections.ts';
import { batchGet, queryAll } from './batch.ts';
import { ddb, tables } from './client.ts';
import { keys, MEMBER_PREFIX } from './keys.ts';
import { isConditionalCheckFailed } from './transactions.ts';

/**
 * Live WebSocket connections (docs/realtime.md, "Connections"): per connection a `CONNECTION#id`
 * item (whose it is), per user one `USER#id / CONNECTIONS` item (a map of at most
 * MAX_CONNECTIONS_PER_USER connection ids → connectedAt, with a `revision` for optimistic
 * writes). Both carry `expiresAt` for the table's TTL.
 */

type Item = Record<string, unknown>;

const chat = tables.chat;
const LIST_WRITE_ATTEMPTS = 5;

/**
 * Records a connection that just opened: its own item (never overwriting one), then the user's
 * list, read and replaced on condition that nobody changed it meanwhile (tabs opening together
 * retry). Returns the connections evicted to keep the list bounded; their items are deleted, the
 * caller closes them.
 */
export async function registerConnection(connection: LiveConnection): Promise<{ evicted: string[] }> {
  const { connectionId, userId, connectedAt } = connection;
  await ddb.send(
    new PutCommand({
      TableName: chat,
      Item: { ...keys.connection(connectionId), type: 'connection', connectionId, userId, connectedAt, expiresAt: expiresAt(connectedAt) },
      ConditionExpression: 'attribute_not_exists(PK)',
    }),
  );
  for (let attempt = 1; ; attempt++) {
    const { Item } = await ddb.send(new GetCommand({ TableName: chat, Key: keys.connectionsOfUser(userId), ConsistentRead: true }));
    const revision = Number(Item?.revision ?? 0);
    const { kept, evicted } = admitConnection((Item?.connections ?? {}) as ConnectionMap, connectionId, connectedAt);
    try {
      await ddb.send(
        new PutCommand({
          TableName: chat,
          Item: {
            ...keys.connectionsOfUser(userId),
            type: 'connections',
            userId,
            connections: kept,
            revision: revision + 1,
            // The newest entry expires last.
            expiresAt: Math.max(...Object.values(kept).map(expiresAt)),
          },
          ConditionExpression: Item ? 'revision = :revision' : 'attribute_not_exists(PK)',
          ...(Item ? { ExpressionAttributeValues: { ':revision': revision } } : {}),
        }),
      );
      await Promise.all(evicted.map((id) => ddb.send(new DeleteCommand({ TableName: chat, Key: keys.connection(id) }))));
      return { evicted };
    } catch (error) {
      if (!isConditionalCheckFailed(error) || attempt >= LIST_WRITE_ATTEMPTS) throw error;
    }
  }
}

/** $disconnect: forgets a connection by its id alone. Returns whose it was (undefined: unknown). */
export async function unregisterConnection(connectionId: string): Promise<number | undefined> {
  const { Attributes } = await ddb.send(new DeleteCommand({ TableName: chat, Key: keys.connection(connectionId), ReturnValues: 'ALL_OLD' }));
  if (!Attributes) return undefined;
  const userId = Number(Attributes.userId);
  await removeFromList(userId, connectionId);
  return userId;
}

/** A connection API Gateway no longer knows (410): exactly its two traces go. */
export async function forgetConnection(userId: number, connectionId: string): Promise<void> {
  await Promise.all([ddb.send(new DeleteCommand({ TableName: chat, Key: keys.connection(connectionId) })), removeFromList(userId, connectionId)]);
}

async function removeFromList(userId: number, connectionId: string): Promise<void> {
  try {
    await ddb.send(
      new UpdateCommand({
        TableName: chat,
        Key: keys.connectionsOfUser(userId),
        UpdateExpression: 'REMOVE connections.#id ADD revision :one',
        // Never create a list by removing from it.
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeNames: { '#id': connectionId },
        ExpressionAttributeValues: { ':one': 1 },
      }),
    );
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
  }
}

/** Whose connection this is (strongly consistent: a frame may follow $connect at once). */
export async function connectionOwner(connectionId: string): Promise<number | undefined> {
  const { Item } = await ddb.send(new GetCommand({ TableName: chat, Key: keys.connection(connectionId), ConsistentRead: true, ProjectionExpression: 'userId' }));
  return Item ? Number(Item.userId) : undefined;
}

/** User ids of a room's current members: one strongly consistent (paged) Query of its MEMBER# items. */
export async function roomMemberIds(roomId: number): Promise<number[]> {
  const items = await queryAll({
    TableName: chat,
    ConsistentRead: true,
    KeyConditionExpression: 'PK = :pk AND begins_with(SK, :member)',
    ExpressionAttributeValues: { ':pk': keys.roomPartition(roomId).PK, ':member': MEMBER_PREFIX },
    ProjectionExpression: 'userId',
  });
  return items.map((item) => Number(item.userId));
}

export interface Audience {
  /** undefined when not asked for, or the room is gone. */
  roomName: string | undefined;
  usernames: Map<number, string>;
  connections: LiveConnection[];
}

/**
 * Everything a fan-out reads besides the member set, in ONE strongly consistent BatchGetItem (100
 * keys per call, calls in parallel): the room's META (for its name), the named users' usernames
 * and the recipients' connection lists. Expired entries are left out.
 */
export async function readAudience(request: { roomId?: number; namedUserIds: number[]; recipientIds: number[]; now: number }): Promise<Audience> {
  const room = request.roomId === undefined ? undefined : keys.room(request.roomId);
  const wanted = [...(room ? [room] : []), ...request.namedUserIds.map(keys.user), ...request.recipientIds.map(keys.connectionsOfUser)];
  const items = wanted.length > 0
    ? await batchGet(chat, wanted, { consistent: true, attributes: ['PK', 'SK', 'id', 'userId', 'username', 'room_name', 'connections'] })
    : [];
  let roomName: string | undefined;
  const usernames = new Map<number, string>();
  const connections: LiveConnection[] = [];
  for (const item of items) {
    if (room && item.PK === room.PK && item.SK === room.SK) roomName = String(item.room_name);
    else if (item.SK === keys.user(0).SK) usernames.set(Number(item.id), String(item.username));
    else if (item.SK === keys.connectionsOfUser(0).SK) connections.push(...liveConnections(item, request.now));
  }
  return { roomName, usernames, connections };
}

function liveConnections(item: Item, now: number): LiveConnection[] {
  const userId = Number(item.userId);
  return Object.entries((item.connections ?? {}) as ConnectionMap)
    .filter(([, connectedAt]) => isLive(Number(connectedAt), now))
    .map(([connectionId, connectedAt]) => ({ connectionId, userId, connectedAt: Number(connectedAt) }));
}
