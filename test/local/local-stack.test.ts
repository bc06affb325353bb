import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import {
  GetQueueAttributesCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { Redis } from '@upstash/redis';
import { startLocalStack, type LocalStack } from '../../local/local-stack.ts';
import { createResources, resourceNames } from '../../local/resources.ts';
import { which } from '../../local/free-port.ts';
import { isLoopback, listeners } from './proc.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const hasRedis = Boolean(which('redis-server'));
const defs = JSON.parse(readFileSync(path.join(ROOT, 'infra', 'definitions.json'), 'utf8'));

/** Live (non-zombie) direct children of this process: pid → command line. */
function liveChildren(): Map<number, string> {
  const out = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) !== process.pid || state === 'Z' || state === 'X') continue;
      out.set(Number(entry), readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').trim());
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

const withEnv = async <T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> => {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
};

describe('local stack (offline: false)', () => {
  const stage = `t${process.pid}`;
  const names = resourceNames(stage);
  let stack: LocalStack;
  let before: Map<number, string>;
  let started: number[];
  let startedCmds: string[];
  const logs: string[] = [];

  beforeAll(async () => {
    before = liveChildren();
    stack = await startLocalStack({ stage, offline: false, log: (l) => logs.push(l) });
    const now = liveChildren();
    started = [...now.keys()].filter((pid) => !before.has(pid));
    startedCmds = started.map((pid) => now.get(pid) ?? '');
  }, 60_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('returns the environment a handler needs', () => {
    const env = stack.env;
    expect(env).toMatchObject({
      STAGE: stage,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      CHAT_TABLE: names.chatTable,
      TASKS_TABLE: names.tasksTable,
      AUTH_MODE: 'query',
    });
    expect(env.AWS_ENDPOINT_URL_DYNAMODB).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(env.AWS_ENDPOINT_URL_SQS).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(env.MESSAGE_QUEUE_URL).toBe(`${env.AWS_ENDPOINT_URL_SQS}/000000000000/${names.messageQueue}`);
    expect(env.DEAD_LETTER_QUEUE_URL).toBe(`${env.AWS_ENDPOINT_URL_SQS}/000000000000/${names.deadLetterQueue}`);
    expect(env.LOG_LEVEL).toBeTruthy();
    if (hasRedis) {
      expect(env.UPSTASH_REDIS_REST_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(env.UPSTASH_REDIS_REST_TOKEN?.length).toBeGreaterThanOrEqual(16);
    } else {
      expect(env.UPSTASH_REDIS_REST_URL).toBe('');
    }
    expect(stack.httpUrl).toBeUndefined();
  });

  it('names match serverless.yml custom.names', () => {
    const yml = readFileSync(path.join(ROOT, 'serverless.yml'), 'utf8');
    const fromYml = resourceNames('${sls:stage}');
    for (const [key, value] of Object.entries(fromYml)) {
      expect(yml).toContain(`${key}: ${value}`);
    }
  });

  it('creates the chat table with its GSI (pay per request)', async () => {
    const ddb = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: stack.env.AWS_ENDPOINT_URL_DYNAMODB,
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, // -sharedDb: any credentials
    });
    const { Table } = await ddb.send(new DescribeTableCommand({ TableName: names.chatTable }));
    expect(Table?.KeySchema).toEqual(defs.chatTable.KeySchema);
    expect(Table?.KeySchema?.[0]).toEqual({ AttributeName: 'PK', KeyType: 'HASH' });
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(new Set(Table?.AttributeDefinitions)).toEqual(new Set(defs.chatTable.AttributeDefinitions));
    const expected: Array<{ IndexName: string; KeySchema: unknown; Projection: { ProjectionType: string; NonKeyAttributes?: string[] } }> =
      defs.chatTable.GlobalSecondaryIndexes;
    expect(expected.length).toBeGreaterThan(0);
    expect(Table?.GlobalSecondaryIndexes?.map((g) => g.IndexName).sort()).toEqual(expected.map((g) => g.IndexName).sort());
    for (const want of expected) {
      const gsi = Table?.GlobalSecondaryIndexes?.find((g) => g.IndexName === want.IndexName);
      expect(gsi?.KeySchema).toEqual(want.KeySchema);
      expect(gsi?.Projection?.ProjectionType).toBe(want.Projection.ProjectionType);
      if (want.Projection.NonKeyAttributes) {
        expect([...(gsi?.Projection?.NonKeyAttributes ?? [])].sort()).toEqual([...want.Projection.NonKeyAttributes].sort());
      }
      expect(gsi?.IndexStatus).toBe('ACTIVE');
    }
    ddb.destroy();
  });

  it('creates the tasks table with TTL on expiresAt', async () => {
    const ddb = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: stack.env.AWS_ENDPOINT_URL_DYNAMODB,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const { Table } = await ddb.send(new DescribeTableCommand({ TableName: names.tasksTable }));
    expect(Table?.KeySchema).toEqual(defs.tasksTable.KeySchema);
    const ttl = await ddb.send(new DescribeTimeToLiveCommand({ TableName: names.tasksTable }));
    expect(ttl.TimeToLiveDescription).toMatchObject({
      TimeToLiveStatus: 'ENABLED',
      AttributeName: defs.tasksTable.TimeToLiveSpecification.AttributeName,
    });
    ddb.destroy();
  });

  it('creates both FIFO queues with the redrive policy to the DLQ', async () => {
    const sqs = new SQSClient({
      region: 'us-east-1',
      endpoint: stack.env.AWS_ENDPOINT_URL_SQS,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const { QueueUrls } = await sqs.send(new ListQueuesCommand({}));
    expect(QueueUrls?.map((u) => u.split('/').pop()).sort()).toEqual([names.deadLetterQueue, names.messageQueue].sort());

    const dlq = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: stack.env.DEAD_LETTER_QUEUE_URL, AttributeNames: ['All'] }));
    const asStrings = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, String(v)]));
    expect(defs.deadLetterQueue.FifoQueue).toBe(true);
    expect(defs.messageQueue.FifoQueue).toBe(true);
    expect(dlq.Attributes).toMatchObject(asStrings(defs.deadLetterQueue));

    const main = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: stack.env.MESSAGE_QUEUE_URL, AttributeNames: ['All'] }));
    expect(main.Attributes).toMatchObject(asStrings(defs.messageQueue));
    expect(main.Attributes?.FifoQueue).toBe('true');
    expect(dlq.Attributes?.QueueArn).toMatch(new RegExp(`:${names.deadLetterQueue.replaceAll('.', '\\.')}$`));
    expect(JSON.parse(main.Attributes?.RedrivePolicy ?? '{}')).toEqual({
      deadLetterTargetArn: dlq.Attributes?.QueueArn,
      maxReceiveCount: defs.maxReceiveCount,
    });
    sqs.destroy();
  });

  it('AWS SDK v3 clients configured only by the environment reach both emulators', async () => {
    const env = stack.env;
    await withEnv(
      {
        AWS_REGION: env.AWS_REGION!,
        AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID!,
        AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY!,
        AWS_ENDPOINT_URL_DYNAMODB: env.AWS_ENDPOINT_URL_DYNAMODB!,
        AWS_ENDPOINT_URL_SQS: env.AWS_ENDPOINT_URL_SQS!,
      },
      async () => {
        const ddb = new DynamoDBClient({});
        const { TableNames } = await ddb.send(new ListTablesCommand({}));
        expect(TableNames).toEqual(expect.arrayContaining([names.chatTable, names.tasksTable]));
        ddb.destroy();

        // The SQS client sends to the QueueUrl's host unless `endpoint` is set in code: the
        // queue URLs we hand out must therefore point at the emulator itself.
        const sqs = new SQSClient({});
        await sqs.send(
          new SendMessageCommand({
            QueueUrl: env.MESSAGE_QUEUE_URL,
            MessageBody: 'hello',
            MessageGroupId: 'g1',
            MessageDeduplicationId: 'd1',
          }),
        );
        const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: env.MESSAGE_QUEUE_URL, WaitTimeSeconds: 1 }));
        expect(got.Messages?.map((m) => m.Body)).toEqual(['hello']);
        sqs.destroy();
      },
    );
  });

  it('createResources is idempotent', async () => {
    const urls = await createResources(stack.env);
    expect(urls.messageQueueUrl.endsWith(`/${names.messageQueue}`)).toBe(true);
    expect(urls.deadLetterQueueUrl.endsWith(`/${names.deadLetterQueue}`)).toBe(true);
  });

  it.skipIf(!hasRedis)('the Upstash bridge answers @upstash/redis', async () => {
    const redis = new Redis({ url: stack.env.UPSTASH_REDIS_REST_URL!, token: stack.env.UPSTASH_REDIS_REST_TOKEN!, retry: false });
    await redis.set('k', { a: 1 }, { ex: 30 });
    expect(await redis.get('k')).toEqual({ a: 1 });
    const wrong = new Redis({ url: stack.env.UPSTASH_REDIS_REST_URL!, token: 'wrong', retry: false });
    await expect(wrong.get('k')).rejects.toThrow();
  });

  it('every service listens on 127.0.0.1 only', () => {
    const portOf = (url: string | undefined) => (url ? Number(new URL(url).port) : undefined);
    const ours = new Set([stack.env.AWS_ENDPOINT_URL_SQS, stack.env.UPSTASH_REDIS_REST_URL].map(portOf).filter(Boolean));
    // The children's every socket (DynamoDB Local, redis-server), and this process's for the
    // services it runs itself (fauxqs, the Upstash bridge's thread).
    const sockets = [...listeners(started), ...listeners([process.pid]).filter((l) => ours.has(l.port))];
    const ports = sockets.map((l) => l.port);
    expect(ports).toContain(portOf(stack.env.AWS_ENDPOINT_URL_DYNAMODB));
    expect(ports).toContain(portOf(stack.env.AWS_ENDPOINT_URL_SQS));
    if (hasRedis) expect(ports).toContain(portOf(stack.env.UPSTASH_REDIS_REST_URL));
    expect(sockets.filter((l) => !isLoopback(l.address))).toEqual([]);
    expect(stack.exposed).toEqual([]);
  });

  it('started java (and redis-server) as children', () => {
    const cmds = startedCmds;
    expect(cmds.some((c) => c.includes('DynamoDBLocal.jar') && c.includes('LoopbackDynamoDbLocal'))).toBe(true);
    if (hasRedis) expect(cmds.some((c) => c.includes('redis-server'))).toBe(true);
  });

  it('stop() leaves no child running and is idempotent', async () => {
    expect(started.length).toBeGreaterThan(0);
    const { AWS_ENDPOINT_URL_DYNAMODB: ddbUrl, UPSTASH_REDIS_REST_URL: bridgeUrl, AWS_ENDPOINT_URL_SQS: sqsUrl } = stack.env;
    await Promise.all([stack.stop(), stack.stop()]);
    await stack.stop();
    for (const pid of started) expect(isAlive(pid), `pid ${pid} still alive`).toBe(false);
    expect([...liveChildren().keys()].filter((pid) => !before.has(pid))).toEqual([]);
    for (const url of [ddbUrl, sqsUrl, bridgeUrl].filter(Boolean)) {
      await expect(fetch(url!, { signal: AbortSignal.timeout(1000) })).rejects.toThrow();
    }
  });
});

describe('local stack start-up errors', () => {
  it('fails clearly and cleans up when java is missing', async () => {
    const before = liveChildren();
    await withEnv({ PATH: '/nonexistent' }, async () => {
      await expect(startLocalStack({ offline: false, log: () => {} })).rejects.toThrow(/openjdk-17-jre-headless/);
    });
    expect([...liveChildren().keys()].filter((pid) => !before.has(pid))).toEqual([]);
  });
});
