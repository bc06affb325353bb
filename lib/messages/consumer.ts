import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { logger } from '../log.ts';
import { redrivePolicy, sendToDeadLetterQueue } from '../queue/message-queue.ts';
import { markTaskFailed } from '../repository/tasks.ts';
import type { QueuedMessage } from './model.ts';
import { persistQueuedMessage } from './persist.ts';
import { queuedMessage } from './schemas.ts';

/**
 * Persists a batch of queued messages and reports the records to retry. Each FIFO group (a room) is
 * handled in order; once a record of a group fails, the group's later records are failed too
 * without being tried, so no message overtakes an earlier one of its room. Groups run in parallel.
 */
export async function consumeMessages(records: SQSRecord[]): Promise<SQSBatchResponse> {
  const groups = new Map<string, SQSRecord[]>();
  for (const record of records) {
    const group = record.attributes.MessageGroupId ?? record.messageId;
    groups.set(group, [...(groups.get(group) ?? []), record]);
  }
  const failed = new Set<string>();
  await Promise.all(
    [...groups.values()].map(async (group) => {
      for (const [index, record] of group.entries()) {
        if (await handleRecord(record)) continue;
        for (const later of group.slice(index)) failed.add(later.messageId);
        return;
      }
    }),
  );
  return { batchItemFailures: records.filter((r) => failed.has(r.messageId)).map((r) => ({ itemIdentifier: r.messageId })) };
}

/** True when the record is done with (stored, a duplicate, rejected or dead-lettered). */
async function handleRecord(record: SQSRecord): Promise<boolean> {
  try {
    const queued = parseRecord(record);
    const result = await persistQueuedMessage(queued);
    if (result.outcome === 'rejected') logger.warn('message rejected', { taskId: queued.taskId, reason: result.reason });
    else logger.info('message handled', { taskId: queued.taskId, outcome: result.outcome });
    return true;
  } catch (error) {
    return giveUpIfLastAttempt(record, error);
  }
}

function parseRecord(record: SQSRecord): QueuedMessage {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch {
    throw new Error('The queued message is not JSON');
  }
  const parsed = queuedMessage.safeParse(body);
  if (!parsed.success) throw new Error(`The queued message is malformed: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/**
 * A record that failed: retried by SQS, except on its last allowed receive. Then its task ends in
 * FAILURE and the consumer moves the record to the dead-letter queue itself and acknowledges it —
 * leaving that to SQS would also dead-letter the later records of its FIFO group, which rode along
 * in every retry and so used up the same receive count without ever being tried.
 */
async function giveUpIfLastAttempt(record: SQSRecord, error: unknown): Promise<boolean> {
  const receiveCount = Number(record.attributes.ApproximateReceiveCount);
  const detail = error instanceof Error ? error.message : String(error);
  const policy = await redrivePolicy().catch((policyError: unknown) => {
    logger.error('could not read the redrive policy', policyError as Error);
    return undefined;
  });
  if (!policy || receiveCount < policy.maxReceiveCount) {
    logger.warn('message failed, will be retried', { messageId: record.messageId, receiveCount, error: detail });
    return false;
  }
  const reason = `The message could not be stored after ${receiveCount} attempts (${detail}); it was moved to the dead-letter queue.`;
  const taskId = taskIdOf(record.body);
  try {
    if (taskId) await markTaskFailed(taskId, reason, new Date().toISOString());
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
    // SQS's own redrive moves it on the next receive.
    logger.error('could not dead-letter the message', deadLetterError as Error);
    return false;
  }
}

/** The task id of a record too broken to parse, if it has one. */
function taskIdOf(body: string): string | undefined {
  try {
    const parsed = queuedMessage.shape.taskId.safeParse((JSON.parse(body) as { taskId?: unknown }).taskId);
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
