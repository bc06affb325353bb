import { randomUUID } from 'node:crypto';
import { SqsClient } from '../aws/sqs.ts';
import { requiredEnv } from '../config.ts';
import { messageGroupId, type QueuedMessage } from '../messages/model.ts';

const queueUrl = requiredEnv('MESSAGE_QUEUE_URL');

/**
 * SQS answers in milliseconds; a queue that is down or does not answer must cost a send a bounded
 * time: at most 3 attempts of at most 1.5 s each (plus a jittered backoff of ≤ 500 ms between them),
 * about 5 s in all — inside the API functions' 29 s and the consumer's 10 s, with room left for
 * DynamoDB. Then the caller answers 503 (lib/messages/service.ts) or lets the record be retried.
 */
export const SQS_CLIENT_LIMITS = { maxAttempts: 3, connectionTimeoutMs: 1000, requestTimeoutMs: 1500 } as const;

export const sqs = new SqsClient({ limits: SQS_CLIENT_LIMITS });

/**
 * Queues a message in its room's FIFO group. The deduplication id is the task id by default:
 * sending the same task twice within SQS's 5-minute window queues it once, and later copies are
 * ignored by the consumer (a finished task is never redone). A message queued again on purpose (a
 * dead-lettered task retried by its client) needs an id of its own, or SQS would drop it as a copy
 * of the first send when that was less than 5 minutes ago.
 */
export async function enqueueMessage(message: QueuedMessage, deduplicationId = message.taskId): Promise<void> {
  await sqs.sendMessage({
    QueueUrl: queueUrl,
    MessageBody: asciiJson(message),
    MessageGroupId: messageGroupId(message.roomId),
    MessageDeduplicationId: deduplicationId,
  });
}

/** A deduplication id for queueing a task again: SQS must not take it for the first send. */
export const requeueDeduplicationId = (taskId: string) => `${taskId}:requeue:${randomUUID()}`;

/**
 * JSON with every non-ASCII character escaped. SQS refuses some characters a message text may hold
 * (U+FFFE, U+FFFF; emulators also astral ones such as emoji), which would fail the send; escaped,
 * the body is plain ASCII and JSON.parse gives the text back unchanged.
 */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export interface RedrivePolicy {
  deadLetterQueueUrl: string;
  maxReceiveCount: number;
}

let redrive: Promise<RedrivePolicy | undefined> | undefined;

/**
 * The queue's own redrive policy (dead-letter queue and maxReceiveCount), read once per container
 * and only when a record is retried or fails, so the deployed queue stays the single source of truth.
 */
export function redrivePolicy(): Promise<RedrivePolicy | undefined> {
  redrive ??= readRedrivePolicy().catch((error: unknown) => {
    redrive = undefined;
    throw error;
  });
  return redrive;
}

async function readRedrivePolicy(): Promise<RedrivePolicy | undefined> {
  const { Attributes } = await sqs.getQueueAttributes({ QueueUrl: queueUrl, AttributeNames: ['RedrivePolicy'] });
  if (!Attributes?.RedrivePolicy) return undefined;
  const policy = JSON.parse(Attributes.RedrivePolicy) as { deadLetterTargetArn: string; maxReceiveCount: number | string };
  // Same account and region: the dead-letter queue's URL is the queue's URL with its own name.
  const deadLetterQueueName = policy.deadLetterTargetArn.split(':').at(-1)!;
  return { deadLetterQueueUrl: new URL(deadLetterQueueName, queueUrl).href, maxReceiveCount: Number(policy.maxReceiveCount) };
}

export interface DeadLetter {
  messageId: string;
  body: string;
  groupId: string;
  receiveCount: number;
  reason: string;
}

/**
 * Moves a record the consumer gave up on to the dead-letter queue, with why, in its FIFO group.
 * Each move has a deduplication id of its own: a message redriven and dead-lettered again within
 * 5 minutes must not be dropped as a copy of its first move.
 */
export async function sendToDeadLetterQueue(letter: DeadLetter): Promise<void> {
  const policy = await redrivePolicy();
  if (!policy) throw new Error('The message queue has no redrive policy');
  await sqs.sendMessage({
    QueueUrl: policy.deadLetterQueueUrl,
    MessageBody: letter.body,
    MessageGroupId: letter.groupId,
    MessageDeduplicationId: `${letter.messageId}:${randomUUID()}`,
    MessageAttributes: {
      sourceMessageId: { DataType: 'String', StringValue: letter.messageId },
      receiveCount: { DataType: 'Number', StringValue: String(letter.receiveCount) },
      failureReason: { DataType: 'String', StringValue: letter.reason.slice(0, 1000) },
    },
  });
}
