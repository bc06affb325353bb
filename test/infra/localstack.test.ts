/**
 * The LocalStack path, checked without Docker: the compose file, the init hook (run against this
 * run's DynamoDB Local and fauxqs, which speak the same APIs) and `LOCAL_AWS=localstack` mode of
 * the local stack (pointed at the same emulators).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { localAwsFromEnv, startLocalStack, LOCALSTACK_DEFAULT_ENDPOINT, type LocalStack } from '../../local/local-stack.ts';
import { resourceNames } from '../../local/resources.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const COMPOSE = path.join(ROOT, 'localstack', 'docker-compose.yml');
const HOOK = path.join(ROOT, 'localstack', 'init', 'ready.d', '10-chat-resources.py');
const DEFINITIONS = path.join(ROOT, 'infra', 'definitions.json');
const defs = JSON.parse(readFileSync(DEFINITIONS, 'utf8'));

// js-yaml is what osls itself parses serverless.yml with; resolve it from there.
const yaml = createRequire(path.join(ROOT, 'node_modules', 'serverless', 'package.json'))('js-yaml') as { load(text: string): unknown };

/** A python3 with boto3 (LocalStack's own interpreter has it; here: Debian's python3-boto3). */
const python = ['python3', '/usr/bin/python3'].find((bin) => spawnSync(bin, ['-c', 'import boto3'], { stdio: 'ignore' }).status === 0);

const emulators = {
  dynamodb: process.env.AWS_ENDPOINT_URL_DYNAMODB!,
  sqs: process.env.AWS_ENDPOINT_URL_SQS!,
};
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const ddb = new DynamoDBClient({ region: 'us-east-1', endpoint: emulators.dynamodb, credentials });
const sqs = new SQSClient({ region: 'us-east-1', endpoint: emulators.sqs, credentials });
afterAll(() => {
  ddb.destroy();
  sqs.destroy();
});

async function runHook(stage: string): Promise<string> {
  const { stdout } = await run(python!, [HOOK], {
    env: {
      PATH: process.env.PATH,
      CHAT_STAGE: stage,
      CHAT_DEFINITIONS: DEFINITIONS,
      CHAT_DYNAMODB_ENDPOINT: emulators.dynamodb,
      CHAT_SQS_ENDPOINT: emulators.sqs,
      AWS_DEFAULT_REGION: 'us-east-1',
    },
    timeout: 60_000,
  });
  return stdout;
}

/** The resources of `stage` as the deployed template defines them (infra/definitions.json). */
async function expectResourcesOf(stage: string): Promise<{ messageQueueUrl: string }> {
  const names = resourceNames(stage);
  const chat = (await ddb.send(new DescribeTableCommand({ TableName: names.chatTable }))).Table!;
  expect(chat.KeySchema).toEqual(defs.chatTable.KeySchema);
  expect(chat.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
  expect(chat.GlobalSecondaryIndexes?.map((g) => [g.IndexName, g.KeySchema, g.Projection?.ProjectionType])).toEqual(
    defs.chatTable.GlobalSecondaryIndexes.map((g: { IndexName: string; KeySchema: unknown; Projection: { ProjectionType: string } }) => [
      g.IndexName,
      g.KeySchema,
      g.Projection.ProjectionType,
    ]),
  );
  const tasks = (await ddb.send(new DescribeTableCommand({ TableName: names.tasksTable }))).Table!;
  expect(tasks.KeySchema).toEqual(defs.tasksTable.KeySchema);
  const ttl = await ddb.send(new DescribeTimeToLiveCommand({ TableName: names.tasksTable }));
  expect(ttl.TimeToLiveDescription?.AttributeName).toBe(defs.tasksTable.TimeToLiveSpecification.AttributeName);
  expect(['ENABLED', 'ENABLING']).toContain(ttl.TimeToLiveDescription?.TimeToLiveStatus);

  const dlqUrl = (await sqs.send(new GetQueueUrlCommand({ QueueName: names.deadLetterQueue }))).QueueUrl!;
  const messageQueueUrl = (await sqs.send(new GetQueueUrlCommand({ QueueName: names.messageQueue }))).QueueUrl!;
  const dlq = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['All'] }))).Attributes!;
  const main = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: messageQueueUrl, AttributeNames: ['All'] }))).Attributes!;
  expect(dlq.FifoQueue).toBe('true');
  expect(main.FifoQueue).toBe('true');
  expect(main.VisibilityTimeout).toBe(String(defs.messageQueue.VisibilityTimeout));
  expect(main.ContentBasedDeduplication).toBe(String(defs.messageQueue.ContentBasedDeduplication));
  expect(JSON.parse(main.RedrivePolicy!)).toEqual({ deadLetterTargetArn: dlq.QueueArn, maxReceiveCount: defs.maxReceiveCount });
  return { messageQueueUrl };
}

describe('localstack/docker-compose.yml', () => {
  const compose = yaml.load(readFileSync(COMPOSE, 'utf8')) as {
    services: Record<string, { image: string; ports: string[]; environment: Record<string, string>; volumes: string[]; healthcheck: unknown }>;
  };
  const service = compose.services.localstack!;

  it('runs LocalStack with an auth token, on 4566, only DynamoDB and SQS', () => {
    expect(service.image).toMatch(/^localstack\/localstack(-pro)?:/);
    expect(service.environment.LOCALSTACK_AUTH_TOKEN).toMatch(/^\$\{LOCALSTACK_AUTH_TOKEN:\?.+\}$/);
    expect(service.ports).toContain('127.0.0.1:4566:4566');
    expect(service.environment.SERVICES).toBe('dynamodb,sqs');
    expect(new URL(LOCALSTACK_DEFAULT_ENDPOINT).port).toBe('4566');
    expect(service.healthcheck).toBeDefined();
  });

  it('mounts infra/definitions.json and the ready.d hook, which exist', () => {
    const mounts = service.volumes.map((v) => v.split(':'));
    const definitions = mounts.find(([, target]) => target === service.environment.CHAT_DEFINITIONS);
    expect(definitions?.[0] && path.resolve(path.dirname(COMPOSE), definitions[0])).toBe(DEFINITIONS);
    const hooks = mounts.find(([, target]) => target === '/etc/localstack/init/ready.d');
    expect(hooks?.[0] && existsSync(path.join(path.resolve(path.dirname(COMPOSE), hooks[0]), path.basename(HOOK)))).toBe(true);
  });
});

describe.skipIf(!python)('the init hook (python3 + boto3) against DynamoDB Local and fauxqs', () => {
  it('creates exactly the tables, TTL and queues of infra/definitions.json, and is idempotent', async () => {
    const stage = `hook${process.pid}`;
    const first = await runHook(stage);
    expect(first).toContain(`queue ${resourceNames(stage).messageQueue} created`);
    const { messageQueueUrl } = await expectResourcesOf(stage);
    const second = await runHook(stage);
    expect(second).toContain(`table ${resourceNames(stage).chatTable} exists`);
    expect(second).toContain(`queue ${resourceNames(stage).messageQueue} exists`);
    expect((await expectResourcesOf(stage)).messageQueueUrl).toBe(messageQueueUrl);
  });
});

describe('LOCAL_AWS=localstack: the local stack on endpoints that are already running', () => {
  it('reads LOCAL_AWS and LOCALSTACK_ENDPOINT; the SDK endpoint variables win', () => {
    expect(localAwsFromEnv({})).toBeUndefined();
    expect(localAwsFromEnv({ LOCAL_AWS: '' })).toBeUndefined();
    expect(localAwsFromEnv({ LOCAL_AWS: 'localstack' })).toEqual({
      label: 'LocalStack',
      dynamodbEndpoint: 'http://localhost:4566',
      sqsEndpoint: 'http://localhost:4566',
    });
    expect(localAwsFromEnv({ LOCAL_AWS: 'LocalStack', LOCALSTACK_ENDPOINT: 'http://127.0.0.1:4567/' })).toMatchObject({
      dynamodbEndpoint: 'http://127.0.0.1:4567',
      sqsEndpoint: 'http://127.0.0.1:4567',
    });
    expect(localAwsFromEnv({ LOCAL_AWS: 'localstack', AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:9324' })).toMatchObject({
      dynamodbEndpoint: 'http://localhost:4566',
      sqsEndpoint: 'http://127.0.0.1:9324',
    });
    expect(() => localAwsFromEnv({ LOCAL_AWS: 'moto' })).toThrow(/LOCAL_AWS must be "localstack"/);
  });

  it('says how to start LocalStack when nothing answers', async () => {
    const closed = 'http://127.0.0.1:9'; // discard port: nothing listens
    await expect(
      startLocalStack({ offline: false, log: () => {}, aws: { label: 'LocalStack', dynamodbEndpoint: closed, sqsEndpoint: closed, readyTimeoutMs: 500 } }),
    ).rejects.toThrow(/docker compose -f localstack\/docker-compose.yml up/);
  });

  it('starts no emulator, reuses what the init hook created and creates what is missing', async () => {
    const stage = `ext${process.pid}`;
    if (python) await runHook(stage); // as LocalStack would have at start
    const logs: string[] = [];
    const aws = { label: 'LocalStack', dynamodbEndpoint: emulators.dynamodb, sqsEndpoint: emulators.sqs };
    let stack: LocalStack | undefined;
    try {
      stack = await startLocalStack({ stage, offline: false, aws, log: (l) => logs.push(l) });
      expect(stack.env).toMatchObject({ AWS_ENDPOINT_URL_DYNAMODB: emulators.dynamodb, AWS_ENDPOINT_URL_SQS: emulators.sqs, AWS_ACCESS_KEY_ID: 'test' });
      expect(logs.join('\n')).not.toMatch(/DynamoDB Local ready|fauxqs/);
      const { messageQueueUrl } = await expectResourcesOf(stage);
      expect(new URL(stack.env.MESSAGE_QUEUE_URL!).pathname).toBe(new URL(messageQueueUrl).pathname);
      expect(new URL(stack.env.MESSAGE_QUEUE_URL!).origin).toBe(emulators.sqs);
    } finally {
      await stack?.stop();
    }
    // A second start finds everything in place (LocalStack keeps its state between runs).
    const again = await startLocalStack({ stage, offline: false, aws, log: () => {} });
    try {
      await expectResourcesOf(stage);
    } finally {
      await again.stop();
    }
  });
});
