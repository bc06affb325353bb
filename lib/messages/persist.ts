import { logger } from '../log.ts';
import { readMemberStates, readRunContext, storeRun } from '../repository/messages.ts';
import { retryOnTransactionConflict } from '../repository/transactions.ts';
import type { MessageView, QueuedMessage } from './model.ts';
import { MAX_TRANSACTION_ITEMS, planRun, recentSendersLeaving, type RunContext, type RunPlan } from './runs.ts';

export type RunResult =
  /** The plan's records are done: stored, rejected (FAILURE) or repeated. */
  | { outcome: 'stored'; plan: RunPlan }
  /**
   * A task of the run was already finished (a redelivered record): nothing was written. The caller
   * handles those `records` one by one, where a finished task is simply acknowledged.
   */
  | { outcome: 'task-finished'; records: number };

const ATTEMPTS = 6;

/** The most records one transaction can hold: the room's item plus a message and a task each. */
const MAX_RUN_RECORDS = Math.floor((MAX_TRANSACTION_ITEMS - 1) / 2);

/**
 * Stores the longest prefix of `messages` (consecutive records of one room, in queue order) that
 * fits one transaction, exactly once, with the room's next contiguous sequence numbers. A lost
 * condition (the room's sequence or a member's read state moved since they were read) reads again
 * and retries; throws when that keeps happening, or on any other error.
 */
export async function persistRun(roomId: number, messages: QueuedMessage[]): Promise<RunResult> {
  const candidates = messages.slice(0, MAX_RUN_RECORDS);
  for (let attempt = 1; ; attempt++) {
    const plan = planRun(roomId, await readContext(roomId, candidates), candidates);
    const outcome = await retryOnTransactionConflict(() => storeRun(plan));
    if (outcome === 'stored') return { outcome, plan };
    if (outcome === 'task-finished') return { outcome, records: plan.records.length };
    if (attempt >= ATTEMPTS) throw new Error(`A run of ${plan.records.length} messages of room ${roomId} lost its conditions ${ATTEMPTS} times (${outcome})`);
    logger.info('message run raced, retrying', { roomId, records: plan.records.length, outcome, attempt });
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * 2 ** attempt));
  }
}

/**
 * The room's META with the senders' users and memberships (one BatchGetItem); then, only when the
 * run may push out of the room's recent senders a message whose sender is not among the run's and
 * still needs tracking, that member's read state (a second one). A sender's entries they have seen
 * are cleared whenever they post, so this is mostly the last messages of someone who went quiet.
 */
async function readContext(roomId: number, candidates: QueuedMessage[]): Promise<RunContext> {
  const context = await readRunContext(
    roomId,
    candidates.map((message) => message.senderId),
  );
  const unread = recentSendersLeaving(context.room, candidates.length).filter((userId) => !context.members.has(userId));
  if (unread.length === 0) return context;
  const others = await readMemberStates(roomId, unread);
  return { ...context, members: new Map([...context.members, ...others]) };
}

export type PersistOutcome =
  | { outcome: 'stored'; message: MessageView }
  /** The task was already finished: a redelivered record, which changes nothing. */
  | { outcome: 'duplicate' }
  /** Can never be stored (the sender left, the room is gone): the task ended in FAILURE. */
  | { outcome: 'rejected'; reason: string };

/** One queued message, as the consumer stores it (a run of one): for tools and tests. */
export async function persistQueuedMessage(queued: QueuedMessage): Promise<PersistOutcome> {
  const result = await persistRun(queued.roomId, [queued]);
  if (result.outcome === 'task-finished') return { outcome: 'duplicate' };
  const [record] = result.plan.records;
  if (record?.kind === 'store') return { outcome: 'stored', message: record.view };
  if (record?.kind === 'reject') return { outcome: 'rejected', reason: record.reason };
  return { outcome: 'duplicate' };
}
