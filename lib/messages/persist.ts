import { logger } from '../log.ts';
import { readPersistContext, storeMessage, type PersistContext } from '../repository/messages.ts';
import { markTaskFailed, markTaskStarted } from '../repository/tasks.ts';
import { retryOnTransactionConflict } from '../repository/transactions.ts';
import { senderReadState, toMessageView, type MessageView, type QueuedMessage, type StoredMessage } from './model.ts';

export type PersistOutcome =
  | { outcome: 'stored'; message: MessageView }
  /** The task was already finished: a redelivered record, which changes nothing. */
  | { outcome: 'duplicate' }
  /** Can never be stored (the sender left, the room is gone): the task ends in FAILURE. */
  | { outcome: 'rejected'; reason: string };

const ATTEMPTS = 6;

/**
 * Stores one queued message exactly once, with its room's next contiguous sequence number. The
 * task goes STARTED, then SUCCESS in the same transaction that stores the message; a record whose
 * task is already finished is a redelivery and is acknowledged without a write.
 */
export async function persistQueuedMessage(queued: QueuedMessage): Promise<PersistOutcome> {
  if (!(await markTaskStarted(queued.taskId, new Date().toISOString()))) return { outcome: 'duplicate' };

  for (let attempt = 1; ; attempt++) {
    const context = await readPersistContext(queued.roomId, queued.senderId);
    const { room, sender, membership } = context;
    if (!room || !sender || !membership) {
      const reason = rejectionReason(queued, context);
      const failed = await markTaskFailed(queued.taskId, reason, new Date().toISOString());
      return failed ? { outcome: 'rejected', reason } : { outcome: 'duplicate' };
    }

    const previousSequence = room.lastSequence;
    const message: StoredMessage = {
      roomId: queued.roomId,
      sequence: (previousSequence ?? 0) + 1,
      senderId: queued.senderId,
      text: queued.text,
      sentAt: queued.acceptedAt,
      taskId: queued.taskId,
    };
    const view = toMessageView(message, room, sender);
    const watermark = membership.lastSeenSequence;
    const outcome = await retryOnTransactionConflict(() =>
      storeMessage({
        message,
        previousSequence,
        senderWatermark: watermark,
        senderReadState: senderReadState(watermark ?? 0, message.sequence, membership.ownAfterWatermark),
        taskResult: view,
      }),
    );
    if (outcome === 'stored') return { outcome: 'stored', message: view };
    if (outcome === 'task-finished') return { outcome: 'duplicate' };
    // The room's sequence or the sender's membership moved since we read them: read again.
    if (attempt >= ATTEMPTS) throw new Error(`Message of task ${queued.taskId} lost its conditions ${ATTEMPTS} times (${outcome})`);
    logger.info('message store raced, retrying', { taskId: queued.taskId, outcome, attempt });
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * 2 ** attempt));
  }
}

function rejectionReason(queued: QueuedMessage, { room, sender }: PersistContext): string {
  if (!room) return `Room ${queued.roomId} no longer exists; the message was not stored.`;
  if (!sender) return `User ${queued.senderId} no longer exists; the message was not stored.`;
  return `User ${sender.username} is no longer a member of room ${room.room_name}; the message was not stored.`;
}
