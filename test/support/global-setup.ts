import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startLocalStack } from '../../local/local-stack.ts';
import { apiRoutes } from '../../lib/routes.ts';
import { contractSummary } from './contract-summary.ts';

/** The message queue's visibility timeout in tests: a failed record is retried after this long. */
export const TEST_VISIBILITY_TIMEOUT_SECONDS = 5;

/**
 * One real local stack per test run, on free ports: DynamoDB Local, the fauxqs SQS emulator,
 * Redis behind the Upstash REST bridge, and serverless-offline with the SQS poller. Test files
 * read its coordinates from the environment, which forked workers inherit. At the end it prints
 * how many answers were checked against the OpenAPI document (test/support/contract.ts).
 */
export default async function setup(_project: TestProject) {
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  // What serverless.yml gives the $default function (lib/routes.ts), for tests that invoke it in process.
  process.env.API_ROUTES = apiRoutes();
  const contractDir = mkdtempSync(path.join(os.tmpdir(), 'chat-contract-'));
  process.env.CONTRACT_LOG = path.join(contractDir, 'checked.log');
  // A short visibility timeout: failed records are retried (and dead-lettered) after seconds, not minutes.
  const stack = await startLocalStack({ stage: 'local', offline: true, seedUsers: true, log: () => {}, messageVisibilityTimeoutSeconds: TEST_VISIBILITY_TIMEOUT_SECONDS });
  Object.assign(process.env, stack.env);
  if (stack.httpUrl) process.env.CHAT_HTTP_URL = stack.httpUrl;
  if (stack.lambdaUrl) process.env.CHAT_LAMBDA_URL = stack.lambdaUrl;
  if (stack.websocketUrl) process.env.CHAT_WS_URL = stack.websocketUrl;
  return async () => {
    await stack.stop();
    let lines: string[] = [];
    try {
      lines = readFileSync(process.env.CONTRACT_LOG!, 'utf8').split('\n').filter(Boolean);
    } catch {
      // no answer was checked
    }
    console.log(contractSummary(lines));
    rmSync(contractDir, { recursive: true, force: true });
  };
}
