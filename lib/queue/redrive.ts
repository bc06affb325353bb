import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/**
 * Moves dead-lettered messages back to the message queue, each in its FIFO group and in the order
 * the dead-letter queue gives them: what `aws sqs start-message-move-task` does on AWS, for queues
 * that lack it (fauxqs, the local SQS emulator, has no StartMessageMoveTask). A moved message is a
 * new message at the end of its group: it is stored in its room's order as of the move. The
 * deduplication id is the dead-lettered message's id, as SQS's own move uses (a move that crashed
 * between its send and its delete and is run again within 5 minutes queues it once; after that the
 * consumer's exactly-once guard ignores the copy).
 */
export interface RedriveOptions {
  sqs: SQSClient;
  deadLetterQueueUrl: string;
  queueUrl: string;
  /** Move only the messages whose body this accepts; the others are left in the dead-letter queue. */
  select?: (body: string) => boolean;
  /** At most this many messages (default 10,000). */
  maxMessages?: number;
  /** Receives that find nothing before it stops (default 2). */
  emptyReceives?: number;
}

export async function redriveDeadLetters(options: RedriveOptions): Promise<{ moved: number }> {
  const { sqs, deadLetterQueueUrl, queueUrl, select = () => true, maxMessages = 10_000, emptyReceives = 2 } = options;
  let moved = 0;
  for (let empty = 0; empty < emptyReceives && moved < maxMessages; ) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: deadLetterQueueUrl,
        MaxNumberOfMessages: Math.min(10, maxMessages - moved),
        WaitTimeSeconds: 1,
        VisibilityTimeout: 60,
        MessageSystemAttributeNames: ['MessageGroupId'],
      }),
    );
    const chosen = Messages.filter((m) => select(m.Body ?? ''));
    const others = Messages.filter((m) => !chosen.includes(m));
    if (others.length > 0) await release(sqs, deadLetterQueueUrl, others);
    if (chosen.length === 0) {
      empty += 1;
      continue;
    }
    empty = 0;
    // One after another: a group's messages must reach the queue in their order.
    for (const message of chosen) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: message.Body ?? '',
          MessageGroupId: message.Attributes?.MessageGroupId ?? 'unknown',
          MessageDeduplicationId: `redrive:${message.MessageId}`,
        }),
      );
    }
    await sqs.send(
      new DeleteMessageBatchCommand({ QueueUrl: deadLetterQueueUrl, Entries: chosen.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }),
    );
    moved += chosen.length;
  }
  return { moved };
}

/** Back in the dead-letter queue at once, untouched. */
async function release(sqs: SQSClient, queueUrl: string, messages: Message[]): Promise<void> {
  await sqs.send(
    new ChangeMessageVisibilityBatchCommand({
      QueueUrl: queueUrl,
      Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 })),
    }),
  );
}
