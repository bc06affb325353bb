import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '../aws/dynamodb.ts';
import type { Task, TaskState } from '../tasks/model.ts';
import { taskExpiry, UNFINISHED_STATES } from '../tasks/model.ts';
import { ddb, tables } from './client.ts';
import { keys } from './keys.ts';
import { isConditionalCheckFailed } from './transactions.ts';

/** `#state IN (:s0, :s1, …)` with its names and values. */
function stateIn(states: readonly TaskState[]) {
  const values = Object.fromEntries(states.map((state, i) => [`:s${i}`, state]));
  return {
    condition: `#state IN (${Object.keys(values).join(', ')})`,
    names: { '#state': 'state' },
    values,
  };
}

function fromItem(item: Record<string, unknown>): Task {
  const { PK, type, ...task } = item;
  return task as unknown as Task;
}

export async function insertTask(task: Task): Promise<'inserted' | 'exists'> {
  try {
    await ddb.send(
      new PutCommand({
        TableName: tables.tasks,
        Item: { ...keys.task(task.id), type: 'task', ...task },
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );
    return 'inserted';
  } catch (error) {
    if (isConditionalCheckFailed(error)) return 'exists';
    throw error;
  }
}

/** Strongly consistent: a client polls its task right after the send answered. */
export async function getTask(taskId: string): Promise<Task | undefined> {
  const { Item } = await ddb.send(new GetCommand({ TableName: tables.tasks, Key: keys.task(taskId), ConsistentRead: true }));
  return Item ? fromItem(Item) : undefined;
}

/**
 * The update that moves a task to `to` (with its result and a new expiry, if given), on condition
 * that it exists and is still in one of `from`. Used alone and inside the transaction that stores
 * a run of messages.
 */
function taskTransition(
  taskId: string,
  to: TaskState,
  at: string,
  options: { result?: unknown; from?: readonly TaskState[]; expiresAt?: number } = {},
) {
  const allowed = stateIn(options.from ?? UNFINISHED_STATES);
  const withResult = 'result' in options;
  const withExpiry = options.expiresAt !== undefined;
  return {
    TableName: tables.tasks,
    Key: keys.task(taskId),
    UpdateExpression: `SET #state = :to, updatedAt = :at${withResult ? ', #result = :result' : ''}${withExpiry ? ', expiresAt = :expiresAt' : ''}`,
    ConditionExpression: `attribute_exists(PK) AND ${allowed.condition}`,
    ExpressionAttributeNames: { ...allowed.names, ...(withResult ? { '#result': 'result' } : {}) },
    ExpressionAttributeValues: {
      ...allowed.values,
      ':to': to,
      ':at': at,
      ...(withResult ? { ':result': options.result } : {}),
      ...(withExpiry ? { ':expiresAt': options.expiresAt } : {}),
    },
  };
}

/** True when the transition happened; false when the task had moved on (or is unknown). */
async function transition(update: ReturnType<typeof taskTransition>): Promise<boolean> {
  try {
    await ddb.send(new UpdateCommand(update));
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

/** Ends a task in FAILURE if it is still in one of `from`; false when it had moved on. */
export const markTaskFailed = (taskId: string, reason: string, at: string, from: readonly TaskState[] = UNFINISHED_STATES): Promise<boolean> =>
  transition(taskTransition(taskId, 'FAILURE', at, { result: reason, from }));

/**
 * RETRY with a reason: the message is on its last attempt or in the dead-letter queue, and can
 * still succeed. Its expiry starts again, so the task outlives the dead-letter queue's retention.
 * False when the task is finished (or unknown).
 */
export const markTaskRetrying = (taskId: string, reason: string, now: Date): Promise<boolean> =>
  transition(taskTransition(taskId, 'RETRY', now.toISOString(), { result: reason, expiresAt: taskExpiry(now) }));

/** A RETRY (or legacy STARTED) task queued again by a retry with its Idempotency-Key: PENDING, unless it moved on meanwhile. */
export const markTaskRequeued = (taskId: string, at: string): Promise<boolean> =>
  transition(taskTransition(taskId, 'PENDING', at, { result: null, from: ['RETRY', 'STARTED'] }));

/**
 * The task's half of the transaction that stores a message: SUCCESS with the stored message, only
 * from an unfinished state. That condition is the exactly-once guard of the pipeline.
 */
export const taskSucceededWrite = (taskId: string, result: unknown, at: string) => ({
  Update: taskTransition(taskId, 'SUCCESS', at, { result }),
});

/** A record that can never be stored, in the same transaction: FAILURE, only from an unfinished state. */
export const taskFailedWrite = (taskId: string, reason: string, at: string) => ({
  Update: taskTransition(taskId, 'FAILURE', at, { result: reason }),
});

export interface IdempotencyRecord {
  userId: number;
  key: string;
  taskId: string;
  bodyHash: string;
  /** Epoch seconds (TTL attribute). */
  expiresAt: number;
}

/**
 * Claims an idempotency key for a task with a conditional Put. Answers undefined when the claim is
 * ours, or the live record that already holds the key (an expired one is taken over).
 */
export async function claimIdempotencyKey(record: IdempotencyRecord, nowSeconds: number): Promise<IdempotencyRecord | undefined> {
  const key = keys.idempotencyKey(record.userId, record.key);
  // A second round only if the holder was released between our Put and our read.
  for (let round = 0; round < 3; round++) {
    try {
      await ddb.send(
        new PutCommand({
          TableName: tables.tasks,
          Item: { ...key, type: 'idempotency', ...record },
          ConditionExpression: 'attribute_not_exists(PK) OR expiresAt <= :now',
          ExpressionAttributeValues: { ':now': nowSeconds },
        }),
      );
      return undefined;
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
    const { Item } = await ddb.send(new GetCommand({ TableName: tables.tasks, Key: key, ConsistentRead: true }));
    if (Item) {
      const { PK, type, ...held } = Item;
      return held as unknown as IdempotencyRecord;
    }
  }
  throw new Error(`Idempotency key ${record.key} of user ${record.userId} keeps being claimed and released`);
}

/** Frees a key whose request was not accepted (the queue was down), so a retry runs again. */
export async function releaseIdempotencyKey(userId: number, key: string, taskId: string): Promise<void> {
  try {
    await ddb.send(
      new DeleteCommand({
        TableName: tables.tasks,
        Key: keys.idempotencyKey(userId, key),
        ConditionExpression: 'taskId = :taskId',
        ExpressionAttributeValues: { ':taskId': taskId },
      }),
    );
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
  }
}
