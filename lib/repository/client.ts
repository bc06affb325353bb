import { DynamoDBDocument } from '../aws/dynamodb.ts';
import { optionalEnv, requiredEnv } from '../config.ts';

export const tables = {
  chat: requiredEnv('CHAT_TABLE'),
  tasks: requiredEnv('TASKS_TABLE'),
} as const;

export const GSI1 = 'GSI1';

/**
 * How long one DynamoDB call may take, retries included, so that a DynamoDB that throttles, is
 * down or does not answer costs a request a few seconds and a clean 503 (lib/errors.ts
 * `serviceFailure`), never the function's whole timeout. Each attempt is cut after
 * `requestTimeoutMs` (connect included; a connect that hangs is cut after `connectionTimeoutMs`);
 * `maxAttempts` counts the first one; the backoff between them is at most 500 ms
 * (lib/aws/dynamodb.ts). The defaults fit the shortest function, the message consumer (10 s):
 * two calls that each fail after their whole budget still end inside it; HTTP functions (29 s)
 * keep a long poll's last round inside theirs (lib/reading/service.ts). A function may set
 * DYNAMODB_REQUEST_TIMEOUT_MS / DYNAMODB_MAX_ATTEMPTS to its own budget; a bad value stops it at
 * cold start.
 */
export const DYNAMODB_BUDGET = (() => {
  const connectionTimeoutMs = 1000;
  const requestTimeoutMs = wholeNumberEnv('DYNAMODB_REQUEST_TIMEOUT_MS', 2000, 100, 10_000);
  const maxAttempts = wholeNumberEnv('DYNAMODB_MAX_ATTEMPTS', 2, 1, 5);
  const maxBackoffMs = 500;
  return { connectionTimeoutMs, requestTimeoutMs, maxAttempts, maxBackoffMs, callMs: maxAttempts * requestTimeoutMs + (maxAttempts - 1) * maxBackoffMs };
})();

function wholeNumberEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = optionalEnv(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  return value;
}

export const ddb = new DynamoDBDocument({
  limits: {
    connectionTimeoutMs: DYNAMODB_BUDGET.connectionTimeoutMs,
    requestTimeoutMs: DYNAMODB_BUDGET.requestTimeoutMs,
    maxAttempts: DYNAMODB_BUDGET.maxAttempts,
    maxBackoffMs: DYNAMODB_BUDGET.maxBackoffMs,
  },
});

/**
 * Per-process tally of DynamoDB requests and the capacity they consumed. Every request asks for
 * ReturnConsumedCapacity (free on AWS), so tests can assert request counts and the benchmark can
 * report cost without a second instrumentation path.
 */
export interface DynamoUsage {
  requests: number;
  byCommand: Record<string, number>;
  readCapacity: number;
  writeCapacity: number;
}

const usage: DynamoUsage = emptyUsage();

function emptyUsage(): DynamoUsage {
  return { requests: 0, byCommand: {}, readCapacity: 0, writeCapacity: 0 };
}

export function dynamoUsage(): DynamoUsage {
  return structuredClone(usage);
}

export function resetDynamoUsage(): void {
  Object.assign(usage, emptyUsage());
}

interface ConsumedCapacity {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
}

ddb.use((next, context) => async (args) => {
  const input = args.input;
  input.ReturnConsumedCapacity ??= 'TOTAL';
  const result = await next(args);
  usage.requests += 1;
  const command = context.commandName;
  usage.byCommand[command] = (usage.byCommand[command] ?? 0) + 1;
  const output = result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] };
  for (const consumed of [output.ConsumedCapacity ?? []].flat()) {
    usage.readCapacity += consumed.ReadCapacityUnits ?? 0;
    usage.writeCapacity += consumed.WriteCapacityUnits ?? 0;
    if (consumed.ReadCapacityUnits === undefined && consumed.WriteCapacityUnits === undefined) {
      if (isWrite(command)) usage.writeCapacity += consumed.CapacityUnits ?? 0;
      else usage.readCapacity += consumed.CapacityUnits ?? 0;
    }
  }
  return result;
});

function isWrite(command: string): boolean {
  return /^(Put|Update|Delete|TransactWrite|BatchWrite)/.test(command);
}
