/**
 * `LOCAL_AWS=localstack`: DynamoDB and SQS of a LocalStack that is already running, instead of
 * DynamoDB Local and fauxqs. Nothing is started; tables and queues are created only if missing.
 */
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { awsConfig } from './resources.ts';

export const LOCALSTACK_DEFAULT_ENDPOINT = 'http://localhost:4566';
const READY_TIMEOUT_MS = 30_000;

export interface ExternalAws {
  /** A name for progress lines, e.g. "LocalStack". */
  label: string;
  dynamodbEndpoint: string;
  sqsEndpoint: string;
  /** How long to wait for both endpoints to answer (default 30 s). */
  readyTimeoutMs?: number;
}

/**
 * DynamoDB and SQS of a running LocalStack, at `LOCALSTACK_ENDPOINT` (default
 * http://localhost:4566); the AWS SDK's own AWS_ENDPOINT_URL_DYNAMODB / _SQS win if set.
 * `LOCAL_AWS` unset or empty: undefined (the built-in emulators).
 */
export function localAwsFromEnv(env: NodeJS.ProcessEnv = process.env): ExternalAws | undefined {
  const mode = env.LOCAL_AWS?.trim().toLowerCase();
  if (!mode) return undefined;
  if (mode !== 'localstack') throw new Error(`LOCAL_AWS must be "localstack" or unset, got "${env.LOCAL_AWS}"`);
  const endpoint = (env.LOCALSTACK_ENDPOINT || LOCALSTACK_DEFAULT_ENDPOINT).replace(/\/+$/, '');
  return {
    label: 'LocalStack',
    dynamodbEndpoint: env.AWS_ENDPOINT_URL_DYNAMODB || endpoint,
    sqsEndpoint: env.AWS_ENDPOINT_URL_SQS || endpoint,
  };
}

/** Waits until both endpoints answer a list call; explains how to start LocalStack if they do not. */
export async function waitForExternalAws(aws: ExternalAws, signal?: AbortSignal): Promise<void> {
  const config = { ...awsConfig({ AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' }, undefined), maxAttempts: 1 };
  const requestHandler = { connectionTimeout: 1000, requestTimeout: 3000 };
  const ddb = new DynamoDBClient({ ...config, endpoint: aws.dynamodbEndpoint, requestHandler });
  const sqs = new SQSClient({ ...config, endpoint: aws.sqsEndpoint, requestHandler });
  const timeoutMs = aws.readyTimeoutMs ?? READY_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      signal?.throwIfAborted();
      try {
        await Promise.all([ddb.send(new ListTablesCommand({ Limit: 1 })), sqs.send(new ListQueuesCommand({ MaxResults: 1 }))]);
        return;
      } catch (err) {
        if (Date.now() > deadline) {
          throw new Error(
            `${aws.label} does not answer (DynamoDB ${aws.dynamodbEndpoint}, SQS ${aws.sqsEndpoint}) within ` +
              `${timeoutMs / 1000} s: ${(err as Error).message}\n` +
              '  Start it first:  LOCALSTACK_AUTH_TOKEN=… docker compose -f localstack/docker-compose.yml up -d\n' +
              '  or point LOCALSTACK_ENDPOINT at it (default http://localhost:4566).',
          );
        }
        await new Promise((r) => setTimeout(r, 300));
      }
    }
  } finally {
    ddb.destroy();
    sqs.destroy();
  }
}
