import { randomUUID } from 'node:crypto';
import definitions from '../../infra/definitions.json' with { type: 'json' };

/**
 * The seed's Celery states, and Celery's RETRY. A client sees PENDING (accepted, queued), RETRY (not
 * stored yet after several attempts: in the dead-letter queue or on its last attempt, and it can
 * still succeed), SUCCESS or FAILURE. STARTED is no longer written (the consumer stores a message in
 * the same transaction that finishes its task, as Celery reports STARTED only with
 * task_track_started); it stays in the list so tasks written by earlier versions still read.
 */
export const TASK_STATES = ['PENDING', 'STARTED', 'RETRY', 'SUCCESS', 'FAILURE'] as const;
export type TaskState = (typeof TASK_STATES)[number];

/** Not finished yet: the only states a task may leave. */
export const UNFINISHED_STATES: readonly TaskState[] = ['PENDING', 'STARTED', 'RETRY'];

const DAY_SECONDS = 24 * 60 * 60;

/**
 * How long a task answers "what became of my send?". A queued message can wait in the message
 * queue for its retention period, then in the FIFO dead-letter queue for that queue's (a FIFO
 * dead-letter queue restarts the clock when a message moves in), and a redrive must still find its
 * task: so a task lives as long as both retentions plus a day, from infra/definitions.json, and a
 * task that goes RETRY starts that time again.
 */
export const TASK_TTL_SECONDS =
  definitions.messageQueue.MessageRetentionPeriod + definitions.deadLetterQueue.MessageRetentionPeriod + DAY_SECONDS;

export interface TaskRequest {
  roomId: number;
  senderId: number;
}

export interface Task {
  id: string;
  state: TaskState;
  /** SUCCESS: the stored message; FAILURE and RETRY: a readable reason; otherwise null. */
  result: unknown;
  request: TaskRequest;
  createdAt: string;
  updatedAt: string;
  /** Epoch seconds; the tasks table's TTL attribute. */
  expiresAt: number;
}

/** What GET /chat/task_state/:task_id answers (the seed's shape, not enveloped). */
export interface TaskStatus {
  state: TaskState;
  result: unknown;
}

export function newTask(request: TaskRequest, now = new Date()): Task {
  const createdAt = now.toISOString();
  return {
    id: randomUUID(),
    state: 'PENDING',
    result: null,
    request,
    createdAt,
    updatedAt: createdAt,
    expiresAt: taskExpiry(now),
  };
}

export const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);

/** The expiry of a task created, or gone RETRY, at `now`. */
export const taskExpiry = (now: Date) => epochSeconds(now) + TASK_TTL_SECONDS;

/** TTL deletion lags (up to days on AWS): an expired task is gone for readers at once. */
export function isExpired(task: Pick<Task, 'expiresAt'>, now = new Date()): boolean {
  return task.expiresAt <= epochSeconds(now);
}

export function toTaskStatus(task: Task): TaskStatus {
  return { state: task.state, result: task.result ?? null };
}
