import { randomUUID } from 'node:crypto';
import { ReceiveMessageCommand, DeleteMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ScanCommand, UpdateCommand } from '../../lib/aws/dynamodb.ts';
import { sqsRecord as sharedSqsRecord } from '../../local/lambda-events.ts';
import type { SQSRecord } from 'aws-lambda';
import { expect } from 'vitest';
import type { QueuedMessage } from '../../lib/messages/model.ts';
import { redriveDeadLetters } from '../../lib/queue/redrive.ts';
import { ddb, dynamoUsage, tables } from '../../lib/repository/client.ts';
import { keys } from '../../lib/repository/keys.ts';
import { insertTask } from '../../lib/repository/tasks.ts';
import { MAX_INITIAL_MEMBERS } from '../../lib/rooms/model.ts';
import { createGroupRoom, joinRoom, listRooms } from '../../lib/rooms/service.ts';
import { newTask, type TaskStatus } from '../../lib/tasks/model.ts';
import { getTaskStatus } from '../../lib/tasks/service.ts';
import { createUser } from '../../lib/users/service.ts';
import { uniqueName } from '../support/lambda.ts';

export interface TestUser {
  id: number;
  username: string;
}

export async function newUser(prefix = 'sender'): Promise<TestUser> {
  const user = await createUser({ username: uniqueName(prefix), password: 'Passw0rd!', first_name: '', last_name: '', email: '', profile: { status: 'Online', status_msg: '' } });
  return { id: user.id, username: user.username };
}

export const newUsers = (count: number, prefix = 'sender') => Promise.all(Array.from({ length: count }, () => newUser(prefix)));

export async function twoUsers(prefix = 'sender'): Promise<[TestUser, TestUser]> {
  return Promise.all([newUser(prefix), newUser(prefix)]);
}

/** A group room of its own with these members (beyond the initial maximum, the others join). */
export async function newRoom(members: TestUser[]): Promise<{ id: number; room_name: string }> {
  const [initial, later] = [members.slice(0, MAX_INITIAL_MEMBERS), members.slice(MAX_INITIAL_MEMBERS)];
  const room = await createGroupRoom({ room_name: uniqueName('room'), room_member: initial.map(({ username }) => ({ username })) });
  for (const member of later) await joinRoom(room.id, member.id);
  return { id: room.id, room_name: room.room_name };
}

/** The user's unread count in a room, as GET /chat/chatroom/?user_id= answers it. */
export async function unreadIn(roomId: number, userId: number): Promise<number | undefined> {
  const rooms = (await listRooms(userId)) as { id: number; unread_count: number }[];
  return rooms.find((room) => room.id === roomId)?.unread_count;
}

/** Polls a task until it is finished: a bounded number of tries, never a stopwatch. */
export async function finishedTask(taskId: string, tries = 200, pauseMs = 50): Promise<TaskStatus> {
  let status: TaskStatus | undefined;
  for (let attempt = 0; attempt < tries; attempt++) {
    status = await getTaskStatus(taskId);
    if (status.state === 'SUCCESS' || status.state === 'FAILURE') return status;
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  throw new Error(`Task ${taskId} still ${status?.state} after ${tries} tries`);
}

/** Polls a task until it is in `state`: a bounded number of tries, never a stopwatch. */
export async function taskInState(taskId: string, state: TaskStatus['state'], tries = 200, pauseMs = 50): Promise<TaskStatus> {
  let status: TaskStatus | undefined;
  for (let attempt = 0; attempt < tries; attempt++) {
    status = await getTaskStatus(taskId);
    if (status.state === state) return status;
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  throw new Error(`Task ${taskId} still ${status?.state}, not ${state}, after ${tries} tries`);
}

/** A PENDING task that no queue message carries yet (handler-level consumer tests deliver it). */
export async function pendingMessage(roomId: number, senderId: number, text = uniqueName('text')): Promise<QueuedMessage> {
  const task = newTask({ roomId, senderId });
  await insertTask(task);
  return { taskId: task.id, roomId, senderId, text, acceptedAt: task.createdAt };
}

/** An SQS record as Lambda's event source mapping delivers it. */
export function sqsRecord(body: QueuedMessage | string, options: { receiveCount?: number; groupId?: string; messageId?: string } = {}): SQSRecord {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const groupId = options.groupId ?? (typeof body === 'string' ? 'room-0' : `room-${body.roomId}`);
  return sharedSqsRecord(text, { ...options, groupId, ...(typeof body === 'string' ? {} : { deduplicationId: body.taskId }) });
}

/** Nothing was written: no DynamoDB write request since the last resetDynamoUsage(). */
export function expectNoWrites(): void {
  const writes = Object.entries(dynamoUsage().byCommand).filter(([command]) => /^(Put|Update|Delete|TransactWrite|BatchWrite)/.test(command));
  expect(writes).toEqual([]);
}

/** Every task a user's sends created (test-only Scan of the small local tasks table). */
export async function tasksOfSender(senderId: number): Promise<{ state: string; result: unknown }[]> {
  const tasks: { state: string; result: unknown }[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await ddb.send(
      new ScanCommand({
        TableName: tables.tasks,
        FilterExpression: '#request.senderId = :sender',
        ExpressionAttributeNames: { '#request': 'request' },
        ExpressionAttributeValues: { ':sender': senderId },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) tasks.push({ state: String(item.state), result: item.result });
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return tasks;
}

export const testSqs = new SQSClient({});

/**
 * Takes the dead-letter queue's messages whose body contains `marker` (other tests may leave their
 * own there), trying a bounded number of receives.
 */
export async function deadLettersContaining(marker: string, expected: number, tries = 40): Promise<string[]> {
  const queueUrl = process.env.DEAD_LETTER_QUEUE_URL!;
  const found: string[] = [];
  for (let attempt = 0; attempt < tries && found.length < expected; attempt++) {
    const { Messages } = await testSqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 0, MessageAttributeNames: ['All'] }),
    );
    for (const message of Messages ?? []) {
      if (!message.Body?.includes(marker)) continue;
      found.push(message.Body);
      await testSqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle! }));
    }
  }
  return found;
}

/**
 * Whether the dead-letter queue holds a message for each of these tasks, looked at without taking
 * them (received for a second, never deleted), trying a bounded number of receives.
 */
export async function deadLettered(taskIds: string[], tries = 80, queueUrl = process.env.DEAD_LETTER_QUEUE_URL!): Promise<boolean> {
  const seen = new Set<string>();
  for (let attempt = 0; attempt < tries; attempt++) {
    const { Messages } = await testSqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 1 }));
    for (const message of Messages ?? []) for (const taskId of taskIds) if (message.Body?.includes(taskId)) seen.add(taskId);
    if (seen.size === taskIds.length) return true;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return false;
}

/** Moves this test's dead-lettered messages (those of these tasks) back to the message queue. */
export const redriveTasks = (taskIds: string[], queues = { deadLetterQueueUrl: process.env.DEAD_LETTER_QUEUE_URL!, queueUrl: process.env.MESSAGE_QUEUE_URL! }) =>
  redriveDeadLetters({ sqs: testSqs, ...queues, select: (body) => taskIds.some((taskId) => body.includes(taskId)) });

/**
 * A fault an operator can fix: the room's lastSequence stored as a string, so every transaction
 * conditioned on it fails and its messages end in the dead-letter queue. fixRoomSequence puts the
 * number back.
 */
export async function breakRoomSequence(roomId: number): Promise<number> {
  const { Attributes } = await ddb.send(
    new UpdateCommand({
      TableName: tables.chat,
      Key: keys.room(roomId),
      UpdateExpression: 'SET lastSequence = :broken',
      ExpressionAttributeValues: { ':broken': 'not a number' },
      ReturnValues: 'UPDATED_OLD',
    }),
  );
  return Number(Attributes?.lastSequence ?? 0);
}

export async function fixRoomSequence(roomId: number, lastSequence: number): Promise<void> {
  await ddb.send(new UpdateCommand({ TableName: tables.chat, Key: keys.room(roomId), UpdateExpression: 'SET lastSequence = :n', ExpressionAttributeValues: { ':n': lastSequence } }));
}
