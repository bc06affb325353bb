import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSqsPoller, type SqsPoller } from '../../local/sqs-poller.ts';
import { testSqs } from '../messages/fixtures.ts';

/**
 * The poller on a queue of its own, feeding a fake Lambda invoke endpoint that records each event
 * and answers what the test scripts: it must honour batchItemFailures like Lambda's event source.
 */
type Reply = (event: SQSEvent) => { status: number; body: string; headers?: Record<string, string> };

describe('local/sqs-poller', () => {
  let server: Server;
  let lambdaUrl: string;
  let queueUrl: string;
  let deadLetterUrl: string;
  let poller: SqsPoller;
  const events: { path: string; event: SQSEvent }[] = [];
  let reply: Reply = () => ({ status: 200, body: '' });

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        const event = JSON.parse(body) as SQSEvent;
        events.push({ path: request.url ?? '', event });
        const answer = reply(event);
        response.writeHead(answer.status, answer.headers ?? {}).end(answer.body);
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
            Attributes: { FifoQueue: 'true', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes!.QueueArn, maxReceiveCount: 3 }) },
          }),
        )
      ).QueueUrl!,
    );
    poller = startSqsPoller({ queueUrl, lambdaInvokeUrl: lambdaUrl, functionName: 'chat-local-messageConsumer', log: () => {} });
  });

  afterAll(async () => {
    await poller?.stop();
    await new Promise((resolve) => server?.close(resolve));
    for (const url of [queueUrl, deadLetterUrl]) if (url) await testSqs.send(new DeleteQueueCommand({ QueueUrl: url }));
  });

  const send = (body: string, group: string) =>
    testSqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body, MessageGroupId: group, MessageDeduplicationId: randomUUID() }));

  /** Waits (bounded tries) until the fake Lambda has seen `count` records with this body. */
  async function deliveries(body: string, count: number, tries = 200) {
    for (let attempt = 0; attempt < tries; attempt++) {
      const seen = events.flatMap(({ event }) => event.Records).filter((r) => r.body === body);
      if (seen.length >= count) return seen;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`${body} was delivered fewer than ${count} times`);
  }

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

  it('redelivers the whole batch when the invocation itself fails', async () => {
    const body = `crash-${randomUUID()}`;
    let calls = 0;
    reply = (event) =>
      event.Records.some((r) => r.body === body) && calls++ < 1
        ? { status: 200, body: JSON.stringify({ errorMessage: 'boom' }), headers: { 'X-Amz-Function-Error': 'Unhandled' } }
        : { status: 200, body: '' };
    await send(body, 'room-4');
    expect((await deliveries(body, 2)).map((r) => r.attributes.ApproximateReceiveCount)).toEqual(['1', '2']);
  });
});
