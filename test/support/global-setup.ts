import type { TestProject } from 'vitest/node';
import { startLocalStack } from '../../local/local-stack.ts';

/**
 * One real local stack per test run, on free ports: DynamoDB Local, the fauxqs SQS emulator,
 * Redis behind the Upstash REST bridge, and serverless-offline with the SQS poller. Test files
 * read its coordinates from the environment, which forked workers inherit.
 */
export default async function setup(_project: TestProject) {
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  const stack = await startLocalStack({ stage: 'local', offline: true, seedUsers: true, log: () => {} });
  Object.assign(process.env, stack.env);
  if (stack.httpUrl) process.env.CHAT_HTTP_URL = stack.httpUrl;
  if (stack.lambdaUrl) process.env.CHAT_LAMBDA_URL = stack.lambdaUrl;
  if (stack.websocketUrl) process.env.CHAT_WS_URL = stack.websocketUrl;
  return () => stack.stop();
}
