import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { logger } from '../log.ts';
import { redrivePolicy, sendToDeadLetterQueue, type RedrivePolicy } from '../queue/message-queue.ts';
import { markTaskRetrying } from '../repository/tasks.ts';
import type { QueuedMessage } from './model.ts';
import { persistRun } from './persist.ts';
import { batchItemFailures, messageGroups, type RunPlan } from './runs.ts';
import { queuedMessage } from './schemas.ts';

/** A record as the consumer sees it: parsed, or why it cannot be. */
interface Received {
  record: SQSRecord;
  receiveCount: number;
  message?: QueuedMessage;
  /** Why the body is not a queued message. */
  malformed?: string;
  /** The task id, even of a malformed body, when it has one. */
  taskId?: string;
}

/**
 * Persists a batch of queued messages and reports the records to retry. Each FIFO group (a room)
 * is handled in order, its consecutive records stored by one transaction per run
 * (lib/messages/runs.ts); once a record of a group fails, the group's later records are failed too
 * without being tried, so no message overtakes an earlier one of its room. Groups run in parallel.
 *
 * A record on its last allowed receive first marks its task RETRY, BEFORE it is tried: if this
 * attempt times out too, SQS moves the record to the dead-letter queue and the task already says
 * so (docs/messages.md, "Dead letters").
 */
export async function consumeMessages(records: SQSRecord[]): Promise<SQSBatchResponse> {
  const received = records.map(receive);
  const policy = await redrivePolicyWhenRetrying(received);
  const lastAttempt = (r: Received) => policy !== undefined && r.receiveCount >= policy.maxReceiveCount;
  await Promise.all(received.filter(lastAttempt).map((r) => markLastAttempt(r)));

  const groups = messageGroups(received, (r) => r.record.attributes.MessageGroupId ?? r.record.messageId);
  const outcomes = await Promise.all(groups.map(async (group) => ({ records: group.map((r) => r.record), failedFrom: await consumeGroup(group, lastAttempt) })));
  return batchItemFailures(records, outcomes);
}

function receive(record: SQSRecord): Received {
  const receiveCount = Number(record.attributes.ApproximateReceiveCount);
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch {
    return { record, receiveCount, malformed: 'The queued message is not JSON' };
  }
  const parsed = queuedMessage.safeParse(body);
  if (parsed.success) return { record, receiveCount, message: parsed.data, taskId: parsed.data.taskId };
  const taskId = queuedMessage.shape.taskId.safeParse((body as { taskId?: unknown } | null)?.taskId);
  return {
    record,
    receiveCount,
    malformed: `The queued message is malformed: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    ...(taskId.success ? { taskId: taskId.data } : {}),
  };
}

/**
 * The redrive policy says which receive is a record's last. Every record's first receive is not
 * (maxReceiveCount ≥ 2, test/infra/template.test.ts), so a batch of first receives needs no lookup.
 */
async function redrivePolicyWhenRetrying(received: Received[]): Promise<RedrivePolicy | undefined> {
  if (!received.some((r) => r.receiveCount > 1)) return undefined;
  try {
    return await redrivePolicy();
  } catch (error) {
    // Without it the consumer cannot tell a last attempt: SQS's own redrive still moves the record.
    logger.error('could not read the redrive policy', error as Error);
    return undefined;
  }
}

async function markLastAttempt(r: Received): Promise<void> {
  if (!r.taskId) return;
  const reason =
    `The message was not stored after ${r.receiveCount - 1} attempts and is being tried a last time. If that fails, ` +
    `it is kept in the dead-letter queue and is stored when an operator moves it back, or when it is sent again with the same Idempotency-Key.`;
  try {
    await markTaskRetrying(r.taskId, reason, new Date());
  } catch (error) {
    logger.error('could not mark the task of a last attempt RETRY', { taskId: r.taskId, error: (error as Error).message });
  }
}

/**
 * One FIFO group, in order: the index of its first record to retry (the group's length when all
 * are done). A run cancelled by an already finished task, or failing while one of its records is
 * on its last receive, is handled again record by record: the finished task is acknowledged, the
 * failing record alone is dead-lettered, and the others go on.
 */
async function consumeGroup(group: Received[], lastAttempt: (r: Received) => boolean): Promise<number> {
  let oneByOneUntil = 0;
  for (let index = 0; index < group.length; ) {
    const first = group[index]!;
    if (!first.message) {
      if (await deadLetterOnLastAttempt(first, first.malformed!, lastAttempt)) {
        index += 1;
        continue;
      }
      logger.warn('malformed message, will be retried', { messageId: first.record.messageId, receiveCount: first.receiveCount, error: first.malformed });
      return index;
    }
    const run = leadingRun(group, index, index < oneByOneUntil ? 1 : group.length);
    try {
      const result = await persistRun(first.message.roomId, run.map((r) => r.message!));
      if (result.outcome === 'stored') {
        logStored(result.plan);
        index += result.plan.records.length;
      } else if (run.length === 1) {
        logger.info('message handled', { taskId: first.message.taskId, outcome: 'duplicate' });
        index += 1;
      } else {
        oneByOneUntil = index + result.records;
      }
    } catch (error) {
      if (run.length > 1 && run.some(lastAttempt)) {
        oneByOneUntil = index + run.length;
        continue;
      }
      const detail = error instanceof Error ? error.message : String(error);
      if (run.length === 1 && (await deadLetterOnLastAttempt(first, detail, lastAttempt))) {
        index += 1;
        continue;
      }
      logger.warn('messages failed, will be retried', { roomId: first.message.roomId, records: run.length, receiveCount: first.receiveCount, error: detail });
      return index;
    }
  }
  return group.length;
}

/** The consecutive parseable records of one room from `index` on, at most `limit`. */
function leadingRun(group: Received[], index: number, limit: number): Received[] {
  const roomId = group[index]!.message!.roomId;
  const run: Received[] = [];
  for (const r of group.slice(index)) {
    if (run.length >= limit || r.message?.roomId !== roomId) break;
    run.push(r);
  }
  return run;
}

function logStored(plan: RunPlan): void {
  const stored = plan.records.filter((r) => r.kind === 'store');
  for (const r of plan.records) if (r.kind === 'reject') logger.warn('message rejected', { taskId: r.queued.taskId, reason: r.reason });
  logger.info('messages stored', {
    roomId: plan.roomId,
    stored: stored.length,
    ...(stored.length > 0 ? { sequences: `${stored[0]!.message.sequence}-${plan.lastSequence}` } : {}),
    rejected: plan.records.filter((r) => r.kind === 'reject').length,
    repeated: plan.records.filter((r) => r.kind === 'repeat').length,
    membersListed: plan.recordings.length,
  });
}

/**
 * A record that failed on its last allowed receive: the consumer moves it to the dead-letter queue
 * itself and acknowledges it, and its task says RETRY — leaving the move to SQS would also
 * dead-letter the later records of its FIFO group, which rode along in every retry and so used up
 * the same receive count without ever being tried. False when it is not the last receive, or the
 * move failed (then SQS's own redrive moves it on its next receive).
 */
async function deadLetterOnLastAttempt(r: Received, detail: string, lastAttempt: (r: Received) => boolean): Promise<boolean> {
  if (!lastAttempt(r)) return false;
  const { record, receiveCount, taskId } = r;
  const reason =
    `The message could not be stored after ${receiveCount} attempts. It is kept in the dead-letter queue and is stored ` +
    `when an operator moves it back, or when it is sent again with the same Idempotency-Key.`;
  try {
    if (taskId) await markTaskRetrying(taskId, reason, new Date());
  } catch (error) {
    logger.error('could not mark a dead-lettered task RETRY', { taskId, error: (error as Error).message });
  }
  try {
    await sendToDeadLetterQueue({
      messageId: record.messageId,
      body: record.body,
      groupId: record.attributes.MessageGroupId ?? 'unknown',
      receiveCount,
      reason: detail,
    });
    logger.error('message dead-lettered', { messageId: record.messageId, taskId, receiveCount, error: detail });
    return true;
  } catch (deadLetterError) {
    logger.error('could not dead-letter the message', deadLetterError as Error);
    return false;
  }
}
