import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand, UpdateCommand } from '../aws/dynamodb.ts';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { validationFailed } from '../errors.ts';
import { toPublicUser, updatedUser, type PublicUser, type StoredUser, type UserUpdate } from '../users/model.ts';
import { queryAll } from './batch.ts';
import { ddb, GSI1, tables } from './client.ts';
import { keys } from './keys.ts';
import { cancellationReasons, failedConditions, isConditionalCheckFailed } from './transactions.ts';

const usernameTaken = () =>
  validationFailed('The username is already taken.', { username: ['A user with that username already exists.'] });

/** The user item and its username claim (also for seeding: tests, bench). */
export function userItem(user: StoredUser) {
  return { ...keys.user(user.id), ...keys.userListing(user.id), type: 'user', ...user };
}

export function usernameItem(user: Pick<StoredUser, 'id' | 'username'>) {
  return { ...keys.username(user.username), type: 'username', userId: user.id };
}

function fromItem(item: Record<string, unknown>): StoredUser {
  const { PK, SK, GSI1PK, GSI1SK, type, ...user } = item;
  return user as unknown as StoredUser;
}

/** Inserts a user and claims its username in one transaction: uniqueness without read-then-write. */
export async function insertUser(user: StoredUser): Promise<void> {
  try {
    await ddb.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: tables.chat, Item: userItem(user), ConditionExpression: 'attribute_not_exists(PK)' } },
          { Put: { TableName: tables.chat, Item: usernameItem(user), ConditionExpression: 'attribute_not_exists(PK)' } },
        ],
      }),
    );
  } catch (error) {
    if (failedConditions(error)?.[1]) throw usernameTaken();
    throw error;
  }
}

/**
 * The first users of a fresh table, ids 1…n, in one transaction: each user and its username claim
 * only if absent, and the id counter set to n only if no id was ever handed out. 'taken' (nothing
 * written) if any of them exists already.
 */
export async function insertFirstUsers(users: StoredUser[]): Promise<'inserted' | 'taken'> {
  try {
    await ddb.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: tables.chat,
              Item: { ...keys.counter('USER'), value: users.length },
              ConditionExpression: 'attribute_not_exists(PK)',
            },
          },
          ...users.flatMap((user) => [
            { Put: { TableName: tables.chat, Item: userItem(user), ConditionExpression: 'attribute_not_exists(PK)' } },
            { Put: { TableName: tables.chat, Item: usernameItem(user), ConditionExpression: 'attribute_not_exists(PK)' } },
          ]),
        ],
      }),
    );
    return 'inserted';
  } catch (error) {
    if (failedConditions(error)?.some(Boolean)) return 'taken';
    throw error;
  }
}

export async function getUser(userId: number, options: { consistent?: boolean } = {}): Promise<StoredUser | undefined> {
  const { Item } = await ddb.send(new GetCommand({ TableName: tables.chat, Key: keys.user(userId), ConsistentRead: options.consistent }));
  return Item ? fromItem(Item) : undefined;
}

export async function findUserIdByUsername(username: string): Promise<number | undefined> {
  const { Item } = await ddb.send(new GetCommand({ TableName: tables.chat, Key: keys.username(username) }));
  return Item ? Number(Item.userId) : undefined;
}

/**
 * Every user in id order: one paged Query of the listing partition (never a Scan). GSI1 projects
 * only public attributes, so the hash never even reaches this code path.
 */
export async function listAllUsers(): Promise<PublicUser[]> {
  const items = await queryAll({
    TableName: tables.chat,
    IndexName: GSI1,
    KeyConditionExpression: 'GSI1PK = :pk',
    ExpressionAttributeValues: { ':pk': keys.usersPartition().GSI1PK },
  });
  return items.map((item) => toPublicUser(fromItem(item)));
}

export type UserWrite =
  | { outcome: 'updated'; user: StoredUser }
  | { outcome: 'missing' }
  /** A condition failed: `current` is the user as stored now. */
  | { outcome: 'changed'; current: StoredUser };

/**
 * Applies `update` in one conditional write of only the attributes it names (and `updatedAt`,
 * `version`): never a read-modify-write of the whole item, so concurrent updates of different
 * fields all land.
 * - Without `expected`: one UpdateItem on condition that the user exists and, if the update names a
 *   username, that it is the stored one (a rename needs the old name: the caller retries with
 *   `expected` = the `current` user this answers).
 * - With `expected` (the user as the caller read it): the write happens only while the user is
 *   still at `expected.version`; a rename moves the username claim in the same transaction.
 */
export async function updateUser(userId: number, update: UserUpdate, expected?: StoredUser): Promise<UserWrite> {
  const renamed = expected !== undefined && update.fields.username !== undefined && update.fields.username !== expected.username;
  const write = userUpdate(userId, update, expected, renamed);
  try {
    if (!renamed) {
      const { Attributes } = await ddb.send(new UpdateCommand({ ...write, ReturnValues: 'ALL_NEW' }));
      return { outcome: 'updated', user: fromItem(Attributes!) };
    }
    await ddb.send(
      new TransactWriteCommand({
        TransactItems: [
          { Update: write },
          { Put: { TableName: tables.chat, Item: usernameItem({ id: userId, username: update.fields.username! }), ConditionExpression: 'attribute_not_exists(PK)' } },
          {
            Delete: {
              TableName: tables.chat,
              Key: keys.username(expected.username),
              ConditionExpression: 'userId = :id',
              ExpressionAttributeValues: { ':id': userId },
            },
          },
        ],
      }),
    );
    return { outcome: 'updated', user: updatedUser(expected, update) };
  } catch (error) {
    if (isConditionalCheckFailed(error)) return asFound((error as { Item?: Record<string, AttributeValue> }).Item);
    const reasons = cancellationReasons(error);
    if (reasons?.[1]?.Code === 'ConditionalCheckFailed') throw usernameTaken();
    if (reasons?.[0]?.Code === 'ConditionalCheckFailed') return asFound(reasons[0].Item);
    throw error;
  }
}

function asFound(item: Record<string, AttributeValue> | undefined): UserWrite {
  return item ? { outcome: 'changed', current: fromItem(unmarshall(item)) } : { outcome: 'missing' };
}

function userUpdate(userId: number, update: UserUpdate, expected: StoredUser | undefined, renamed: boolean) {
  const names: Record<string, string> = { '#version': 'version', '#updatedAt': 'updatedAt' };
  const values: Record<string, unknown> = { ':one': 1, ':at': update.at };
  const sets = ['#updatedAt = :at'];
  const set = (path: string[], value: unknown) => {
    const placeholder = `:v${Object.keys(values).length}`;
    for (const part of path) names[`#${part}`] = part;
    sets.push(`${path.map((part) => `#${part}`).join('.')} = ${placeholder}`);
    values[placeholder] = value;
  };
  for (const [field, value] of Object.entries(update.fields)) if (field !== 'username' || renamed) set([field], value);
  for (const [field, value] of Object.entries(update.profile)) set(['profile', field], value);
  if (update.passwordHash !== undefined) set(['passwordHash'], update.passwordHash);

  const conditions = ['attribute_exists(PK)'];
  if (expected) {
    conditions.push((expected.version ?? 0) === 0 ? '(attribute_not_exists(#version) OR #version = :expected)' : '#version = :expected');
    values[':expected'] = expected.version ?? 0;
  }
  const username = renamed ? expected!.username : update.fields.username;
  if (username !== undefined) {
    names['#username'] = 'username';
    values[':username'] = username;
    conditions.push('#username = :username');
  }
  return {
    TableName: tables.chat,
    Key: keys.user(userId),
    UpdateExpression: `SET ${sets.join(', ')} ADD #version :one`,
    ConditionExpression: conditions.join(' AND '),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
  };
}

/**
 * Deletes a user and frees its username, on condition that the user still has the username read
 * (a concurrent rename would otherwise leave the new name claimed forever): 'changed' then, and the
 * caller reads again.
 */
export async function deleteUser(user: Pick<StoredUser, 'id' | 'username'>): Promise<'deleted' | 'changed'> {
  try {
    await ddb.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Delete: {
              TableName: tables.chat,
              Key: keys.user(user.id),
              ConditionExpression: 'attribute_not_exists(PK) OR username = :username',
              ExpressionAttributeValues: { ':username': user.username },
            },
          },
          {
            Delete: {
              TableName: tables.chat,
              Key: keys.username(user.username),
              ConditionExpression: 'attribute_not_exists(PK) OR userId = :id',
              ExpressionAttributeValues: { ':id': user.id },
            },
          },
        ],
      }),
    );
    return 'deleted';
  } catch (error) {
    if (failedConditions(error)?.[0]) return 'changed';
    throw error;
  }
}
