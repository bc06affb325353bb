/**
 * The local stand-in for Lambda's SQS event source mapping: long-polls the message queue, hands
 * each batch to the consumer through serverless-offline's Lambda invoke endpoint as an SQSEvent and
 * deletes the records it handled (ReportBatchItemFailures semantics). As on AWS, the records it
 * reports in `batchItemFailures` — or the whole batch, if the invocation itself fails — are left
 * alone: they become visible again when the queue's visibility timeout expires, and their FIFO
 * groups deliver nothing else until then. serverless-offline-sqs cannot be used: it ignores
 * `batchItemFailures` (TOOLCHAIN.md).
 *
 * Several loops poll concurrently, as the event source runs several batches at once: batches of
 * different groups are in flight together, never two of one group, since a FIFO group with a
 * message in flight delivers nothing else until that message is deleted or its visibility expires.
 */
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import definitions from '../infra/definitions.json' with { type: 'json' };

export interface SqsPollerOptions {
  queueUrl: string;
  /** serverless-offline's Lambda endpoint, e.g. http://127.0.0.1:3002 */
  lambdaInvokeUrl: string;
  /** The deployed name: <service>-<stage>-<function>. */
  functionName: string;
  log: (line: string) => void;
  /**
   * Batches in flight at once: concurrent receive loops. Default: the event source's
   * maximumConcurrency (infra/definitions.json), but at most LOCAL_MAX_CONCURRENCY.
   */
  concurrency?: number;
}

export interface SqsPoller {
  stop(): Promise<void>;
}

/** One batch a poller of this process delivered, for observers (the benchmark counts batches). */
export interface DeliveredBatch {
  queueUrl: string;
  records: SQSRecord[];
  /** Records left to their visibility timeout (reported in batchItemFailures, or all of a failed invocation). */
  failed: number;
  invocationFailed: boolean;
}

const observers = new Set<(batch: DeliveredBatch) => void>();

/** Calls `observer` with every batch any poller of this process delivers; returns the unsubscribe. */
export function observeDeliveredBatches(observer: (batch: DeliveredBatch) => void): () => void {
  observers.add(observer);
  return () => observers.delete(observer);
}

/** Short enough that stop() returns promptly even without aborting the long poll. */
const WAIT_TIME_SECONDS = 5;
/** The event source's batch size (infra/definitions.json, used by the messageConsumer entry of lib/routes.ts). */
const MAX_MESSAGES = definitions.messageConsumer.batchSize;
/**
 * serverless-offline runs each concurrent invocation in a worker thread of its own, on the same few
 * cores as everything else: more batches in flight than this only make each one slower.
 */
export const LOCAL_MAX_CONCURRENCY = 4;
const ERROR_BACKOFF_MS = 500;
/** A safety net only: serverless-offline ends an invocation at the function's own timeout. */
const INVOKE_TIMEOUT_MS = 50_000;
const REGION = 'us-east-1';

export function startSqsPoller(options: SqsPollerOptions): SqsPoller {
  const { queueUrl, lambdaInvokeUrl, functionName, log } = options;
  const sqs = new SQSClient({
    region: process.env.AWS_REGION ?? REGION,
    // Requests go to the queue URL's host (fauxqs); the SDK wants an endpoint all the same.
    endpoint: new URL(queueUrl).origin,
    credentials: {
      accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'local',
      secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
    },
  });
  const invokeUrl = `${lambdaInvokeUrl.replace(/\/$/, '')}/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`;
  const stopping = new AbortController();
  let queueArn: Promise<string> | undefined;

  const arn = (): Promise<string> => {
    queueArn ??= sqs
      .send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))
      .then(({ Attributes }) => Attributes?.QueueArn ?? `arn:aws:sqs:${REGION}:000000000000:${queueUrl.split('/').at(-1)}`)
      .catch((error: unknown) => {
        queueArn = undefined;
        throw error;
      });
    return queueArn;
  };

  const loop = async (): Promise<void> => {
    while (!stopping.signal.aborted) {
      try {
        const { Messages } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: MAX_MESSAGES,
            WaitTimeSeconds: WAIT_TIME_SECONDS,
            AttributeNames: ['All'],
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: stopping.signal },
        );
        if (Messages && Messages.length > 0 && !(await deliver(Messages))) await sleep(ERROR_BACKOFF_MS);
      } catch (error) {
        if (stopping.signal.aborted) return;
        log(`sqs-poller: ${(error as Error).message}`);
        await sleep(ERROR_BACKOFF_MS);
      }
    }
  };

  /**
   * One batch: invoke, then acknowledge or release each record. False when the invocation itself
   * failed (the loop then pauses instead of spinning on a broken function).
   */
  const deliver = async (messages: Message[]): Promise<boolean> => {
    let failed: Set<string>;
    let invoked = true;
    let records: SQSRecord[] = [];
    try {
      const eventSourceARN = await arn();
      records = messages.map((message) => toRecord(message, eventSourceARN));
      failed = await invoke({ Records: records });
    } catch (error) {
      log(`sqs-poller: invoking ${functionName} failed, the batch will be retried: ${(error as Error).message}`);
      failed = new Set(messages.map((m) => m.MessageId!));
      invoked = false;
    }
    for (const observer of observers) observer({ queueUrl, records, failed: failed.size, invocationFailed: !invoked });
    // The failed records stay in flight until their visibility timeout expires, as on AWS.
    const done = messages.filter((m) => !failed.has(m.MessageId!));
    if (done.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
    }
    return invoked;
  };

  /** The ids of the records to retry, as Lambda reads a ReportBatchItemFailures response. */
  const invoke = async (event: SQSEvent): Promise<Set<string>> => {
    const all = new Set(event.Records.map((r) => r.messageId));
    const response = await fetch(invokeUrl, { method: 'POST', body: JSON.stringify(event), signal: AbortSignal.timeout(INVOKE_TIMEOUT_MS) });
    const text = await response.text();
    if (!response.ok || response.headers.has('x-amz-function-error')) {
      throw new Error(`HTTP ${response.status} ${response.headers.get('x-amz-function-error') ?? ''} ${text.slice(0, 500)}`);
    }
    if (text.trim() === '') return new Set();
    const result = JSON.parse(text) as Partial<SQSBatchResponse> | null;
    if (result === null || result.batchItemFailures === undefined) return new Set();
    const ids = result.batchItemFailures.map((failure) => failure.itemIdentifier);
    // Lambda treats an unknown or empty identifier as a failure of the whole batch.
    if (ids.some((id) => typeof id !== 'string' || !all.has(id))) {
      log(`sqs-poller: ${functionName} reported unknown batchItemFailures ${JSON.stringify(ids)}; retrying the whole batch`);
      return all;
    }
    return new Set(ids);
  };

  const concurrency = options.concurrency ?? Math.min(definitions.messageConsumer.maximumConcurrency, LOCAL_MAX_CONCURRENCY);
  const loops = Array.from({ length: concurrency }, () => loop());
  let stopped: Promise<void> | undefined;
  return {
    stop() {
      stopped ??= (async () => {
        stopping.abort();
        await Promise.allSettled(loops);
        sqs.destroy();
      })();
      return stopped;
    },
  };
}

/** An SQS message as Lambda's event source mapping hands it to a function. */
function toRecord(message: Message, eventSourceARN: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      ...(attributes.SequenceNumber ? { SequenceNumber: attributes.SequenceNumber } : {}),
      ...(attributes.MessageGroupId ? { MessageGroupId: attributes.MessageGroupId } : {}),
      ...(attributes.MessageDeduplicationId ? { MessageDeduplicationId: attributes.MessageDeduplicationId } : {}),
    },
    messageAttributes: toLambdaAttributes(message.MessageAttributes),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN,
    awsRegion: process.env.AWS_REGION ?? REGION,
  };
}

function toLambdaAttributes(attributes: Message['MessageAttributes']): SQSMessageAttributes {
  return Object.fromEntries(
    Object.entries(attributes ?? {}).map(([name, value]) => [
      name,
      {
        dataType: value.DataType ?? 'String',
        ...(value.StringValue === undefined ? {} : { stringValue: value.StringValue }),
        ...(value.BinaryValue === undefined ? {} : { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }),
        stringListValues: [],
        binaryListValues: [],
      },
    ]),
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
