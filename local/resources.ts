/**
 * The data plane of the service — DynamoDB tables and SQS queues — created from
 * infra/definitions.json, the same definitions serverless.yml deploys: used by the local stack
 * (DynamoDB Local and fauxqs, or LocalStack) and its tests.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, QueueDoesNotExist, SQSClient } from '@aws-sdk/client-sqs';

const DEFINITIONS_PATH = fileURLToPath(new URL('../infra/definitions.json', import.meta.url));
const SERVICE = 'chat';
const REGION = 'us-east-1';
const TABLE_ACTIVE_TIMEOUT_MS = 30_000;

export interface ResourceNames {
  chatTable: string;
  tasksTable: string;
  messageQueue: string;
  deadLetterQueue: string;
}

/** Names shared with serverless.yml (custom.names). */
export function resourceNames(stage: string): ResourceNames {
  return {
    chatTable: `${SERVICE}-${stage}`,
    tasksTable: `${SERVICE}-${stage}-tasks`,
    messageQueue: `${SERVICE}-${stage}-messages.fifo`,
    deadLetterQueue: `${SERVICE}-${stage}-messages-dlq.fifo`,
  };
}

interface TimeToLive {
  AttributeName: string;
  Enabled: boolean;
}

interface Definitions {
  chatTable: Pick<CreateTableCommandInput, 'AttributeDefinitions' | 'KeySchema' | 'GlobalSecondaryIndexes'> & {
    TimeToLiveSpecification: TimeToLive;
    /** CloudFormation's shape (no StreamEnabled): the live-delivery fan-out reads the stream. */
    StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' | 'NEW_IMAGE' | 'OLD_IMAGE' | 'KEYS_ONLY' };
  };
  tasksTable: Pick<CreateTableCommandInput, 'AttributeDefinitions' | 'KeySchema'> & {
    TimeToLiveSpecification: TimeToLive;
  };
  messageQueue: Record<string, string | number | boolean>;
  deadLetterQueue: Record<string, string | number | boolean>;
  maxReceiveCount: number;
}

function loadDefinitions(): Definitions {
  return JSON.parse(readFileSync(DEFINITIONS_PATH, 'utf8')) as Definitions;
}

/** SQS CreateQueue attributes are strings. */
function sqsAttributes(attrs: Record<string, string | number | boolean>): Record<string, string> {
  return Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, String(v)]));
}

/** SDK client settings for the local endpoints (dummy credentials unless given). */
export function awsConfig(env: Record<string, string>, endpoint: string | undefined) {
  return {
    region: env.AWS_REGION ?? REGION,
    ...(endpoint ? { endpoint } : {}),
    credentials: {
      accessKeyId: env.AWS_ACCESS_KEY_ID ?? 'local',
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? 'local',
    },
  };
}

/**
 * Create the tables and queues from infra/definitions.json (idempotent). Reads the stage, table
 * names and endpoints from `env` (STAGE, CHAT_TABLE, TASKS_TABLE, AWS_ENDPOINT_URL_DYNAMODB,
 * AWS_ENDPOINT_URL_SQS, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY).
 */
export async function createResources(
  env: Record<string, string>,
  parts: { tables?: boolean; queues?: boolean } = {},
): Promise<{ messageQueueUrl: string; deadLetterQueueUrl: string }> {
  const defs = loadDefinitions();
  const names = resourceNames(env.STAGE ?? 'local');
  const chatTable = env.CHAT_TABLE || names.chatTable;
  const tasksTable = env.TASKS_TABLE || names.tasksTable;
  const doTables = parts.tables ?? true;
  const doQueues = parts.queues ?? true;

  const tables = async (): Promise<void> => {
    const ddb = new DynamoDBClient(awsConfig(env, env.AWS_ENDPOINT_URL_DYNAMODB));
    try {
      /** Creates the table unless it exists (a LocalStack may keep it across runs); waits until ACTIVE. */
      const create = async (input: CreateTableCommandInput): Promise<void> => {
        try {
          await ddb.send(new CreateTableCommand(input));
        } catch (err) {
          if (!(err instanceof ResourceInUseException)) throw err; // else: already there
        }
        const deadline = Date.now() + TABLE_ACTIVE_TIMEOUT_MS;
        for (;;) {
          const { Table } = await ddb.send(new DescribeTableCommand({ TableName: input.TableName }));
          if (Table?.TableStatus === 'ACTIVE') return;
          if (Date.now() > deadline) throw new Error(`table ${input.TableName} is still ${Table?.TableStatus}`);
          await sleep(100);
        }
      };
      const chatStream = { StreamEnabled: true, StreamViewType: defs.chatTable.StreamSpecification.StreamViewType };
      await Promise.all([
        create({
          TableName: chatTable,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: defs.chatTable.AttributeDefinitions,
          KeySchema: defs.chatTable.KeySchema,
          GlobalSecondaryIndexes: defs.chatTable.GlobalSecondaryIndexes,
          StreamSpecification: chatStream,
        }),
        create({
          TableName: tasksTable,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: defs.tasksTable.AttributeDefinitions,
          KeySchema: defs.tasksTable.KeySchema,
        }),
      ]);
      // A chat table kept from before streams were declared (LocalStack keeps its data) gets one.
      const { Table } = await ddb.send(new DescribeTableCommand({ TableName: chatTable }));
      if (Table?.StreamSpecification?.StreamEnabled !== true) {
        await ddb.send(new UpdateTableCommand({ TableName: chatTable, StreamSpecification: chatStream }));
      }
      const ensureTimeToLive = async (TableName: string, TimeToLiveSpecification: TimeToLive): Promise<void> => {
        const ttl = await ddb.send(new DescribeTimeToLiveCommand({ TableName }));
        const ttlStatus = ttl.TimeToLiveDescription?.TimeToLiveStatus;
        if (ttlStatus !== 'ENABLED' && ttlStatus !== 'ENABLING') {
          await ddb.send(new UpdateTimeToLiveCommand({ TableName, TimeToLiveSpecification }));
        }
      };
      await Promise.all([
        ensureTimeToLive(chatTable, defs.chatTable.TimeToLiveSpecification),
        ensureTimeToLive(tasksTable, defs.tasksTable.TimeToLiveSpecification),
      ]);
    } finally {
      ddb.destroy();
    }
  };

  const queues = async (): Promise<{ messageQueueUrl: string; deadLetterQueueUrl: string }> => {
    const sqs = new SQSClient(awsConfig(env, env.AWS_ENDPOINT_URL_SQS));
    /** The queue's URL; created (with `attributes()`) only if it does not exist yet. */
    const ensure = async (QueueName: string, attributes: () => Promise<Record<string, string>>): Promise<string> => {
      try {
        return (await sqs.send(new GetQueueUrlCommand({ QueueName }))).QueueUrl!;
      } catch (err) {
        if (!(err instanceof QueueDoesNotExist)) throw err;
      }
      return (await sqs.send(new CreateQueueCommand({ QueueName, Attributes: await attributes() }))).QueueUrl!;
    };
    try {
      const deadLetterQueueUrl = await ensure(names.deadLetterQueue, async () => sqsAttributes(defs.deadLetterQueue));
      const messageQueueUrl = await ensure(names.messageQueue, async () => {
        const arn = await sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: deadLetterQueueUrl, AttributeNames: ['QueueArn'] }),
        );
        const dlqArn = arn.Attributes?.QueueArn;
        if (!dlqArn) throw new Error(`no QueueArn for ${deadLetterQueueUrl}`);
        return {
          ...sqsAttributes(defs.messageQueue),
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: defs.maxReceiveCount }),
        };
      });
      return { messageQueueUrl, deadLetterQueueUrl };
    } finally {
      sqs.destroy();
    }
  };

  const [, urls] = await Promise.all([
    doTables ? tables() : Promise.resolve(),
    doQueues ? queues() : Promise.resolve({ messageQueueUrl: env.MESSAGE_QUEUE_URL ?? '', deadLetterQueueUrl: env.DEAD_LETTER_QUEUE_URL ?? '' }),
  ]);
  return urls;
}

/**
 * fauxqs names queues `http://sqs.<region>.localhost:<port>/<account>/<name>`. `*.localhost` does
 * not resolve in Node on Debian (getaddrinfo ENOTFOUND), and SDK v3's SQS client sends requests to
 * the QueueUrl's host unless `endpoint` is set in code (AWS_ENDPOINT_URL_SQS is not enough). fauxqs
 * finds queues by path alone, so hand out the same URL on the endpoint's origin.
 */
export function onEndpoint(queueUrl: string, endpoint: string): string {
  const u = new URL(queueUrl);
  return new URL(u.pathname, endpoint).href;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
