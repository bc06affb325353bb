import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSqsPoller, type SqsPoller } from '../../local/sqs-poller.ts';
import { testSqs } from '../messages/fixtures.ts';

/**
 * The poller on a queue of its own, feeding a fake Lambda invoke endpoint that records each event
 * and answers what the test scripts: it must behave like Lambda's event source — honour
 * batchItemFailures, leave failed records to their visibility timeout, run batches of different
 * groups at once and never two of one group — on fauxqs receiving FIFO groups as SQS does.
 */
type Reply = (event: SQSEvent) => { status: number; body: string; headers?: Record<string, string>; holdMs?: number };

const VISIBILITY_TIMEOUT_SECONDS = 2;

describe('local/sqs-poller', () => {
  let server: Server;
  let lambdaUrl: string;
  let queueUrl: string;
  let deadLetterUrl: string;
  let poller: SqsPoller;
  const events: { path: string; event: SQSEvent }[] = [];
  let inFlight: SQSEvent[] = [];
  let concurrency: { max: number; overlaps: string[] } = { max: 0, overlaps: [] };
  const ok: Reply = () => ({ status: 200, body: '' });
  let reply: Reply = ok;

  const groupsOf = (event: SQSEvent) => new Set(event.Records.map((r) => r.attributes.MessageGroupId!));

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        const event = JSON.parse(body) as SQSEvent;
        events.push({ path: request.url ?? '', event });
        for (const other of inFlight) for (const group of groupsOf(event)) if (groupsOf(other).has(group)) concurrency.overlaps.push(group);
        inFlight.push(event);
        concurrency.max = Math.max(concurrency.max, inFlight.length);
        const answer = reply(event);
        setTimeout(() => {
          inFlight = inFlight.filter((e) => e !== event);
          response.writeHead(answer.status, answer.headers ?? {}).end(answer.body);
        }, answer.holdMs ?? 0);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    lambdaUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

    const endpoint = new URL(process.env.MESSAGE_QUEUE_URL!).origin;
    const onEndpoint = (url: string) => new URL(new URL(url).pathname, endpoint).href;
    const name = `poller-${randomUUID().slice(0, 8)}`;
    deadLetterUrl = onEndpoint((await testSqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq.fifo`, Attributes: { FifoQueue: 'true' } }))).QueueUrl!);
    const { Attributes } = await testSqs.send(new GetQueueAttributesCommand({ QueueUrl: deadLetterUrl, AttributeNames: ['QueueArn'] }));
    queueUrl = onEndpoint(
      (
        await testSqs.send(
          new CreateQueueCommand({
            QueueName: `${name}.fifo`,
            Attributes: {
              FifoQueue: 'true',
              VisibilityTimeout: String(VISIBILITY_TIMEOUT_SECONDS),
              RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes!.QueueArn, maxReceiveCount: 3 }),
            },
          }),
        )
      ).QueueUrl!,
    );
    poller = startSqsPoller({ queueUrl, lambdaInvokeUrl: lambdaUrl, functionName: 'chat-local-messageConsumer', log: () => {} });
  });

  beforeEach(() => {
    reply = ok;
    concurrency = { max: 0, overlaps: [] };
  });

  afterAll(async () => {
    await poller?.stop();
    await new Promise((resolve) => server?.close(resolve));
    for (const url of [queueUrl, deadLetterUrl]) if (url) await testSqs.send(new DeleteQueueCommand({ QueueUrl: url }));
  });

  const send = (body: string, group: string) =>
    testSqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body, MessageGroupId: group, MessageDeduplicationId: randomUUID() }));

  /** All at once (one SendMessageBatch of ≤ 10): ready together for the next receive. */
  const sendTogether = (messages: { body: string; group: string }[]) =>
    testSqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.map(({ body, group }, i) => ({ Id: String(i), MessageBody: body, MessageGroupId: group, MessageDeduplicationId: randomUUID() })),
      }),
    );

  /** Waits (bounded tries) until the fake Lambda has seen `count` records with this body. */
  async function deliveries(body: string, count: number, tries = 400) {
    for (let attempt = 0; attempt < tries; attempt++) {
      const seen = events.flatMap(({ event }) => event.Records).filter((r) => r.body === body);
      if (seen.length >= count) return seen;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`${body} was delivered fewer than ${count} times`);
  }

  const deliveredCount = (body: string) => events.flatMap(({ event }) => event.Records).filter((r) => r.body === body).length;

  it('invokes the function by name with an SQSEvent carrying the FIFO attributes', async () => {
    const body = `shape-${randomUUID()}`;
    await send(body, 'room-1');
    const [record] = await deliveries(body, 1);
    expect(events.at(-1)!.path).toBe('/2015-03-31/functions/chat-local-messageConsumer/invocations');
    expect(record).toMatchObject({
      messageId: expect.any(String),
      receiptHandle: expect.any(String),
      body,
      eventSource: 'aws:sqs',
      eventSourceARN: expect.stringMatching(/^arn:aws:sqs:.*\.fifo$/),
      attributes: { ApproximateReceiveCount: '1', MessageGroupId: 'room-1', MessageDeduplicationId: expect.any(String) },
    });
  });

  it('receives as many ready messages of one group as a batch holds, in order, as SQS does', async () => {
    const bodies = Array.from({ length: 6 }, (_, i) => `burst-${i}-${randomUUID()}`);
    await sendTogether(bodies.map((body) => ({ body, group: 'room-burst' })));
    await deliveries(bodies.at(-1)!, 1);
    const batch = events.find(({ event }) => event.Records.some((r) => r.body === bodies[0]))!.event;
    expect(batch.Records.map((r) => r.body)).toEqual(bodies);
  });

  it('redelivers a failed batch of one group in its order once its visibility timeout expires', async () => {
    const bodies = Array.from({ length: 4 }, (_, i) => `again-${i}-${randomUUID()}`);
    reply = (event) => ({
      status: 200,
      body: JSON.stringify({ batchItemFailures: event.Records.filter((r) => bodies.includes(r.body) && r.attributes.ApproximateReceiveCount === '1').map((r) => ({ itemIdentifier: r.messageId })) }),
    });
    await sendTogether(bodies.map((body) => ({ body, group: 'room-again' })));
    await deliveries(bodies.at(-1)!, 2);
    const batches = events.map(({ event }) => event.Records.filter((r) => bodies.includes(r.body))).filter((records) => records.length > 0);
    expect(batches.map((records) => records.map((r) => [bodies.indexOf(r.body), r.attributes.ApproximateReceiveCount]))).toEqual([
      [[0, '1'], [1, '1'], [2, '1'], [3, '1']],
      [[0, '2'], [1, '2'], [2, '2'], [3, '2']],
    ]);
  });

  it('deletes what succeeded and redelivers only the reported batchItemFailures, with a higher receive count', async () => {
    const [good, bad] = [`good-${randomUUID()}`, `bad-${randomUUID()}`];
    let failures = 0;
    reply = (event) => {
      const failed = event.Records.filter((r) => r.body === bad && failures++ < 1).map((r) => ({ itemIdentifier: r.messageId }));
      return { status: 200, body: JSON.stringify({ batchItemFailures: failed } satisfies SQSBatchResponse) };
    };
    await Promise.all([send(good, 'room-2'), send(bad, 'room-3')]);
    const badDeliveries = await deliveries(bad, 2);
    expect(badDeliveries.map((r) => r.attributes.ApproximateReceiveCount)).toEqual(['1', '2']);
    // A successful record is deleted: it never comes back.
    await send(`marker-${good}`, 'room-2');
    await deliveries(`marker-${good}`, 1);
    expect(await deliveries(good, 1)).toHaveLength(1);
  });

  it('leaves a failed record in flight until its visibility timeout: no redelivery, its group blocked, other groups go on', async () => {
    const [stay, next] = [`stay-${randomUUID()}`, `next-${randomUUID()}`];
    let handle = '';
    reply = (event) => {
      const failed = event.Records.filter((r) => r.body === stay && r.attributes.ApproximateReceiveCount === '1');
      if (failed[0]) handle = failed[0].receiptHandle;
      return { status: 200, body: JSON.stringify({ batchItemFailures: failed.map((r) => ({ itemIdentifier: r.messageId })) }) };
    };
    // Hold it longer than the test needs: only the test's own release below makes it visible.
    await testSqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: stay, MessageGroupId: 'room-stay', MessageDeduplicationId: randomUUID() }));
    await deliveries(stay, 1);
    await testSqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: handle, VisibilityTimeout: 30 }));
    await send(next, 'room-stay');
    // Five messages of other groups go through, one after another, while the failed one waits.
    for (let i = 0; i < 5; i++) {
      const other = `other-${i}-${randomUUID()}`;
      await send(other, `room-other-${i}`);
      await deliveries(other, 1);
    }
    expect(deliveredCount(stay)).toBe(1);
    expect(deliveredCount(next)).toBe(0);
    // Its visibility timeout expires (here: at once): it comes back, then the group's next message.
    await testSqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: handle, VisibilityTimeout: 0 }));
    expect((await deliveries(stay, 2)).map((r) => r.attributes.ApproximateReceiveCount)).toEqual(['1', '2']);
    await deliveries(next, 1);
  });

  it('redelivers the whole batch after its visibility timeout when the invocation itself fails', async () => {
    const body = `crash-${randomUUID()}`;
    let calls = 0;
    reply = (event) =>
      event.Records.some((r) => r.body === body) && calls++ < 1
        ? { status: 200, body: JSON.stringify({ errorMessage: 'boom' }), headers: { 'X-Amz-Function-Error': 'Unhandled' } }
        : { status: 200, body: '' };
    await send(body, 'room-4');
    expect((await deliveries(body, 2)).map((r) => r.attributes.ApproximateReceiveCount)).toEqual(['1', '2']);
  });

  it('runs batches of different groups at once, never two batches of one group', async () => {
    reply = () => ({ status: 200, body: '', holdMs: 300 });
    const messages = Array.from({ length: 24 }, (_, i) => ({ body: `spread-${i}-${randomUUID()}`, group: `room-spread-${i % 12}` }));
    for (let start = 0; start < messages.length; start += 10) await sendTogether(messages.slice(start, start + 10));
    for (const { body } of messages) await deliveries(body, 1);
    expect(concurrency.max).toBeGreaterThanOrEqual(2);
    expect(concurrency.overlaps).toEqual([]);
  });
});
