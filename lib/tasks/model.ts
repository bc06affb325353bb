import { randomUUID } from 'node:crypto';

/** The seed's Celery states, kept so its clients read ours unchanged. */
export const TASK_STATES = ['PENDING', 'STARTED', 'SUCCESS', 'FAILURE'] as const;
export type TaskState = (typeof TASK_STATES)[number];

/** Not finished yet: the only states a task may leave. */
export const UNFINISHED_STATES: readonly TaskState[] = ['PENDING', 'STARTED'];

/** Tasks are answers to "what became of my send?": a week is plenty, then TTL removes them. */
export const TASK_TTL_SECONDS = 7 * 24 * 60 * 60;

export interface TaskRequest {
  roomId: number;
  senderId: number;
}

export interface Task {
  id: string;
  state: TaskState;
  /** SUCCESS: the stored message; FAILURE: a readable reason; otherwise null. */
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
    expiresAt: epochSeconds(now) + TASK_TTL_SECONDS,
  };
}

export const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);

/** TTL deletion lags (up to days on AWS): an expired task is gone for readers at once. */
export function isExpired(task: Pick<Task, 'expiresAt'>, now = new Date()): boolean {
  return task.expiresAt <= epochSeconds(now);
}

export function toTaskStatus(task: Task): TaskStatus {
  return { state: task.state, result: task.result ?? null };
}
