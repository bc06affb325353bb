import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { validationFailed } from '../errors.ts';
import { toPublicUser, type PublicUser, type StoredUser } from '../users/model.ts';
import { queryAll } from './batch.ts';
import { ddb, GSI1, tables } from './client.ts';
import { keys } from './keys.ts';
import { failedConditions } from './transactions.ts';

const usernameTaken = () =>
  validationFailed('The username is already taken.', { username: ['A user with that username already exists.'] });

function userItem(user: StoredUser) {
  return { ...keys.user(user.id), ...keys.userListing(user.id), type: 'user', ...user };
}

function usernameItem(user: Pick<StoredUser, 'id' | 'username'>) {
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

export async function getUser(userId: number): Promise<StoredUser | undefined> {
  const { Item } = await ddb.send(new GetCommand({ TableName: tables.chat, Key: keys.user(userId) }));
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

/**
 * Replaces a user as read at `before`. The condition on the stored username makes a concurrent
 * rename lose cleanly instead of orphaning a username claim; a rename moves the claim atomically.
 */
export async function replaceUser(before: StoredUser, after: StoredUser): Promise<'replaced' | 'stale'> {
  const renamed = before.username !== after.username;
  try {
    await ddb.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: tables.chat,
              Item: userItem(after),
              ConditionExpression: 'attribute_exists(PK) AND username = :username',
              ExpressionAttributeValues: { ':username': before.username },
            },
          },
          ...(renamed
            ? [
                { Put: { TableName: tables.chat, Item: usernameItem(after), ConditionExpression: 'attribute_not_exists(PK)' } },
                {
                  Delete: {
                    TableName: tables.chat,
                    Key: keys.username(before.username),
                    ConditionExpression: 'userId = :id',
                    ExpressionAttributeValues: { ':id': before.id },
                  },
                },
              ]
            : []),
        ],
      }),
    );
    return 'replaced';
  } catch (error) {
    const failed = failedConditions(error);
    if (failed?.[1]) throw usernameTaken();
    if (failed?.[0]) return 'stale';
    throw error;
  }
}

export async function deleteUser(user: Pick<StoredUser, 'id' | 'username'>): Promise<void> {
  await ddb.send(
    new TransactWriteCommand({
      TransactItems: [
        { Delete: { TableName: tables.chat, Key: keys.user(user.id) } },
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
}
