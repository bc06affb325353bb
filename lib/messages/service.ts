import { createHash, randomUUID } from 'node:crypto';
import { AppError, conflict, forbidden, notFound, serviceUnavailable, validationFailed } from '../errors.ts';
import { logger } from '../log.ts';
import { enqueueMessage, requeueDeduplicationId } from '../queue/message-queue.ts';
import { areMembers, readDirectSendContext, readGroupSendContext } from '../repository/messages.ts';
import { claimIdempotencyKey, getTask, insertTask, markTaskFailed, markTaskRequeued, releaseIdempotencyKey } from '../repository/tasks.ts';
import type { UserName } from '../rooms/model.ts';
import { findOrCreateDirectRoom } from '../rooms/service.ts';
import { epochSeconds, newTask, type Task } from '../tasks/model.ts';
import type { QueuedMessage } from './model.ts';
import type { SendMessageBody } from './schemas.ts';

/** How long an Idempotency-Key replays its first answer. */
export const IDEMPOTENCY_WINDOW_SECONDS = 24 * 60 * 60;

export interface AcceptedSend {
  taskId: string;
  /** True when an Idempotency-Key replayed an earlier send: nothing new was queued. */
  replayed: boolean;
}

const QUEUE_DOWN = 'The message could not be queued, so it was not sent.';

/**
 * POST /chat/user/:user_id/: a direct message; the pair's room is created by the first one. The
 * users and the pair's room are read in one BatchGetItem, the pair's memberships in a second one.
 */
export async function sendDirectMessage(receiverId: number, body: SendMessageBody, idempotencyKey?: string): Promise<AcceptedSend> {
  if (body.from === receiverId) {
    throw validationFailed('A direct message needs two different users.', { from: ['Cannot send a direct message to yourself.'] });
  }
  const { receiver, sender, directRoomId } = await readDirectSendContext(body.from, receiverId);
  if (!receiver) throw notFound(`User ${receiverId}`);
  if (!sender) throw unknownSender(body.from);
  // Resolved only once the send is accepted: a refused one (409) must not leave a room behind. A
  // pair whose room lost a member (who left it) goes through the rooms service, which adds them back.
  const room = async () =>
    directRoomId !== undefined && (await areMembers(directRoomId, [sender.id, receiver.id]))
      ? { id: directRoomId }
      : findOrCreateDirectRoom(userName(sender), userName(receiver));
  return accept({ room, senderId: sender.id, text: body.text, target: `user:${receiverId}`, idempotencyKey });
}

/**
 * POST /chat/group/:room_id/: a message to a group room the sender is a current member of, checked
 * with one BatchGetItem. A direct room answers exactly as an unknown room to anyone not in it (its
 * name says who talks to whom), and 400 to its members (they send with POST /chat/user/:user_id/).
 */
export async function sendGroupMessage(roomId: number, body: SendMessageBody, idempotencyKey?: string): Promise<AcceptedSend> {
  const { room, sender, isMember } = await readGroupSendContext(roomId, body.from);
  if (!room || (room.is_direct && !isMember)) throw notFound(`Room ${roomId}`);
  if (!sender) throw unknownSender(body.from);
  if (room.is_direct) throw directRoomSend(roomId);
  if (!isMember) throw forbidden(`User ${sender.username} is not a member of room ${room.room_name}.`);
  return accept({ room: async () => room, senderId: sender.id, text: body.text, target: `room:${roomId}`, idempotencyKey });
}

const unknownSender = (userId: number) =>
  validationFailed('The sender does not exist.', { from: [`Invalid pk "${userId}" - object does not exist.`] });

const directRoomSend = (roomId: number) =>
  new AppError(400, 'direct_room', `Room ${roomId} is a direct room: messages to it are sent with POST /chat/user/:user_id/.`);

const userName = ({ id, username }: UserName): UserName => ({ id, username });

interface SendRequest {
  /** The room the message goes to, resolved once the idempotency key (if any) is ours. */
  room: () => Promise<{ id: number }>;
  senderId: number;
  text: string;
  /** What the send addresses, as the client named it (part of the idempotency fingerprint). */
  target: string;
  idempotencyKey: string | undefined;
}

/**
 * Records the task (PENDING) and queues the message; answers the task id only once the message is
 * queued. With an Idempotency-Key, the same key and body replay the first task id.
 */
async function accept(request: SendRequest): Promise<AcceptedSend> {
  const now = new Date();
  const taskId = randomUUID();
  const { idempotencyKey: key } = request;
  if (key !== undefined) {
    const bodyHash = fingerprint(request);
    const held = await claimIdempotencyKey(
      { userId: request.senderId, key, taskId, bodyHash, expiresAt: epochSeconds(now) + IDEMPOTENCY_WINDOW_SECONDS },
      epochSeconds(now),
    );
    if (held) {
      if (held.bodyHash !== bodyHash) throw conflict('This Idempotency-Key was already used with a different request.');
      return replay(held.taskId, request, now);
    }
  }
  let room: { id: number };
  try {
    room = await request.room();
  } catch (error) {
    if (key !== undefined) await releaseIdempotencyKey(request.senderId, key, taskId);
    throw error;
  }
  const task: Task = { ...newTask({ roomId: room.id, senderId: request.senderId }, now), id: taskId };
  await insertTask(task);
  try {
    await enqueueMessage(queuedMessageOf(task, request));
  } catch (error) {
    logger.error('message queue send failed', error as Error);
    // If the task moved on, the send did reach the queue after all (an ambiguous error).
    if (!(await markTaskFailed(task.id, QUEUE_DOWN, new Date().toISOString(), ['PENDING']))) return { taskId: task.id, replayed: false };
    if (key !== undefined) await releaseIdempotencyKey(request.senderId, key, task.id);
    throw serviceUnavailable(`${QUEUE_DOWN} Try again.`);
  }
  return { taskId: task.id, replayed: false };
}

/**
 * The same key and body again: the same task id. A task still PENDING may not have reached the
 * queue (the first request died in between), so it is queued again under the same deduplication
 * id: SQS drops the copy within 5 minutes and the consumer ignores it after that. A task in RETRY
 * (its message is in the dead-letter queue) is queued again under a new deduplication id — the
 * first one may be less than 5 minutes old — and goes back to PENDING; the copy in the dead-letter
 * queue, if it is ever moved back, finds the task finished and changes nothing.
 */
async function replay(taskId: string, request: SendRequest, now: Date): Promise<AcceptedSend> {
  let task = await getTask(taskId);
  if (!task) {
    const recreated: Task = { ...newTask({ roomId: (await request.room()).id, senderId: request.senderId }, now), id: taskId };
    await insertTask(recreated);
    task = (await getTask(taskId)) ?? recreated;
  }
  const stuck = task.state === 'RETRY' || task.state === 'STARTED';
  if (task.state === 'PENDING' || stuck) {
    try {
      await enqueueMessage(queuedMessageOf(task, request), stuck ? requeueDeduplicationId(taskId) : taskId);
    } catch (error) {
      logger.error('message queue send failed on replay', error as Error);
      throw serviceUnavailable(`${QUEUE_DOWN} Try again.`);
    }
    if (stuck) await markTaskRequeued(taskId, new Date().toISOString());
  }
  return { taskId, replayed: true };
}

function queuedMessageOf(task: Task, request: SendRequest): QueuedMessage {
  return {
    taskId: task.id,
    roomId: task.request.roomId,
    senderId: request.senderId,
    text: request.text,
    acceptedAt: task.createdAt,
    ...(request.idempotencyKey === undefined ? {} : { clientKey: request.idempotencyKey }),
  };
}

/** Same key, same request: the endpoint's target, the sender and the (trimmed) text. */
function fingerprint(request: SendRequest): string {
  return createHash('sha256').update(JSON.stringify([request.target, request.senderId, request.text])).digest('base64url');
}
