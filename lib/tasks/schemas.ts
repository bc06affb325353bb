import * as z from 'zod/mini';
import { TASK_STATES } from './model.ts';

/** Task ids are UUIDs (crypto.randomUUID, lower case); any case is accepted and normalised. */
export const taskId = z.pipe(
  z.string().check(z.regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'Must be a task id (a UUID).')),
  z.transform((id) => id.toLowerCase()),
);

export const taskIdPath = z.object({ task_id: taskId });

/** The states a client reads, and what each means (README, "Messages"; the task-state answer in lib/messages/answers.ts). */
export const TASK_STATE_MEANINGS: Record<(typeof TASK_STATES)[number], string> = {
  PENDING: 'accepted and queued, not stored yet',
  STARTED: 'not written any more (tasks of earlier versions only)',
  RETRY: 'not stored after several attempts: on its last attempt or in the dead-letter queue, and it can still succeed (an operator moves it back, or a retry with the same Idempotency-Key queues it again); result: why',
  SUCCESS: 'stored; result: the message with its room and sequence',
  FAILURE: 'can never be stored (the room is gone, the sender left, the queue refused it); result: why',
};
