import { randomUUID } from 'node:crypto';
import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import definitions from '../../infra/definitions.json' with { type: 'json' };
import { messageGroupId } from '../../lib/messages/model.ts';
import { asciiJson } from '../../lib/queue/message-queue.ts';
import { listRoomMessages } from '../../lib/repository/messages.ts';
import { getTaskStatus } from '../../lib/tasks/service.ts';
import { startSqsPoller, type SqsPoller } from '../../local/sqs-poller.ts';
import { deadLettered, finishedTask, newRoom, pendingMessage, redriveTasks, testSqs, twoUsers } from './fixtures.ts';
import { lambdaRig, stallingProxy, type LambdaRig, type StallingProxy } from './support/lambda-rig.ts';

/**
 * A consumer that keeps timing out: DynamoDB stalls every request about one room, the consumer
 * (the real function, in a sandbox that is killed at its timeout as Lambda kills it) never gets to
 * its own last-attempt path, and SQS's redrive policy moves the record to the dead-letter queue.
 * The task must say so (RETRY, written before the last attempt), and a redrive must recover it.
 * Own queues (same definitions, a short visibility timeout), the real poller, DynamoDB Local behind
 * a stalling proxy.
 */
const VISIBILITY_TIMEOUT_SECONDS = 3;
const FUNCTION_TIMEOUT_MS = 1000;

describe('a consumer that keeps timing out', () => {
  let proxy: StallingProxy;
  let rig: LambdaRig;
  let poller: SqsPoller;
  const queues = { queueUrl: '', deadLetterQueueUrl: '' };

  beforeAll(async () => {
    const endpoint = new URL(process.env.MESSAGE_QUEUE_URL!).origin;
    const onEndpoint = (url: string) => new URL(new URL(url).pathname, endpoint).href;
    const name = `timeouts-${randomUUID().slice(0, 8)}`;
    const { messageQueue, deadLetterQueue, maxReceiveCount } = definitions;
    const attributes = (values: Record<string, string | number | boolean>) => Object.fromEntries(Object.entries(values).map(([k, v]) => [k, String(v)]));
    queues.deadLetterQueueUrl = onEndpoint((await testSqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq.fifo`, Attributes: attributes(deadLetterQueue) }))).QueueUrl!);
    const { Attributes } = await testSqs.send(new GetQueueAttributesCommand({ QueueUrl: queues.deadLetterQueueUrl, AttributeNames: ['QueueArn'] }));
    queues.queueUrl = onEndpoint(
      (
        await testSqs.send(
          new CreateQueueCommand({
            QueueName: `${name}.fifo`,
            Attributes: {
              ...attributes(messageQueue),
              VisibilityTimeout: String(VISIBILITY_TIMEOUT_SECONDS),
              RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes!.QueueArn, maxReceiveCount }),
            },
          }),
        )
      ).QueueUrl!,
    );
    proxy = await stallingProxy(process.env.AWS_ENDPOINT_URL_DYNAMODB!);
    rig = await lambdaRig({ env: { MESSAGE_QUEUE_URL: queues.queueUrl, AWS_ENDPOINT_URL_DYNAMODB: proxy.url }, timeoutMs: FUNCTION_TIMEOUT_MS });
    poller = startSqsPoller({ queueUrl: queues.queueUrl, lambdaInvokeUrl: rig.url, functionName: 'chat-local-messageConsumer', log: () => {}, concurrency: 2 });
  });

  afterAll(async () => {
    await poller?.stop();
    await rig?.stop();
    await proxy?.stop();
    for (const url of [queues.queueUrl, queues.deadLetterQueueUrl]) if (url) await testSqs.send(new DeleteQueueCommand({ QueueUrl: url }));
  });

  it('ends in the dead-letter queue with its task in RETRY (never STARTED or PENDING forever); a redrive stores it once and it ends SUCCESS', async () => {
    const [alice] = await twoUsers();
    const room = await newRoom([alice]);
    const queued = await pendingMessage(room.id, alice.id, 'through a stall');
    proxy.stall(`"ROOM#${room.id}"`);
    await testSqs.send(
      new SendMessageCommand({ QueueUrl: queues.queueUrl, MessageBody: asciiJson(queued), MessageGroupId: messageGroupId(room.id), MessageDeduplicationId: queued.taskId }),
    );

    expect(await deadLettered([queued.taskId], 80, queues.deadLetterQueueUrl)).toBe(true);
    const attempts = rig.invocations.filter((i) => i.bodies.some((body) => body.includes(queued.taskId)));
    // Every attempt ran into the stall and was killed at the timeout: the consumer never finished one.
    expect(attempts.map((a) => a.outcome)).toEqual(Array(definitions.maxReceiveCount).fill('timed out'));
    expect(proxy.held()).toBeGreaterThanOrEqual(definitions.maxReceiveCount);
    expect(await getTaskStatus(queued.taskId)).toEqual({ state: 'RETRY', result: expect.stringContaining('is being tried a last time') });
    expect(await listRoomMessages(room.id)).toEqual([]);

    proxy.release();
    expect(await redriveTasks([queued.taskId], queues)).toEqual({ moved: 1 });
    expect(await finishedTask(queued.taskId, 400)).toMatchObject({ state: 'SUCCESS', result: { sequence: 1, text: 'through a stall' } });
    expect((await listRoomMessages(room.id)).map((m) => [m.sequence, m.taskId])).toEqual([[1, queued.taskId]]);
  });
});
