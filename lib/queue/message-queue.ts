import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { requiredEnv } from '../config.ts';
import { messageGroupId, type QueuedMessage } from '../messages/model.ts';

const queueUrl = requiredEnv('MESSAGE_QUEUE_URL');

export const sqs = new SQSClient({});

/**
 * Queues a message in its room's FIFO group. The deduplication id is the task id: sending the same
 * task twice within SQS's 5-minute window queues it once, and later copies are ignored by the
 * consumer (a finished task is never redone).
 */
export async function enqueueMessage(message: QueuedMessage): Promise<void> {
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: asciiJson(message),
      MessageGroupId: messageGroupId(message.roomId),
      MessageDeduplicationId: message.taskId,
    }),
  );
}

/**
 * JSON with every non-ASCII character escaped. SQS refuses some characters a message text may hold
 * (U+FFFE, U+FFFF; emulators also astral ones such as emoji), which would fail the send; escaped,
 * the body is plain ASCII and JSON.parse gives the text back unchanged.
 */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

interface RedrivePolicy {
  deadLetterQueueUrl: string;
  maxReceiveCount: number;
}

let redrive: Promise<RedrivePolicy | undefined> | undefined;

/**
 * The queue's own redrive policy (dead-letter queue and maxReceiveCount), read once per container
 * and only when a record fails, so the deployed queue stays the single source of truth.
 */
export function redrivePolicy(): Promise<RedrivePolicy | undefined> {
  redrive ??= readRedrivePolicy().catch((error: unknown) => {
    redrive = undefined;
    throw error;
  });
  return redrive;
}

async function readRedrivePolicy(): Promise<RedrivePolicy | undefined> {
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['RedrivePolicy'] }));
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

/** Moves a record the consumer gave up on to the dead-letter queue, with why, in its FIFO group. */
export async function sendToDeadLetterQueue(letter: DeadLetter): Promise<void> {
  const policy = await redrivePolicy();
  if (!policy) throw new Error('The message queue has no redrive policy');
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: policy.deadLetterQueueUrl,
      MessageBody: letter.body,
      MessageGroupId: letter.groupId,
      MessageDeduplicationId: letter.messageId,
      MessageAttributes: {
        sourceMessageId: { DataType: 'String', StringValue: letter.messageId },
        receiveCount: { DataType: 'Number', StringValue: String(letter.receiveCount) },
        failureReason: { DataType: 'String', StringValue: letter.reason.slice(0, 1000) },
      },
    }),
  );
}
