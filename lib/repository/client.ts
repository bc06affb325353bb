import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { requiredEnv } from '../config.ts';

export const tables = {
  chat: requiredEnv('CHAT_TABLE'),
  tasks: requiredEnv('TASKS_TABLE'),
} as const;

export const GSI1 = 'GSI1';

export const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
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

ddb.middlewareStack.add(
  (next, context) => async (args) => {
    const input = args.input as Record<string, unknown>;
    input.ReturnConsumedCapacity ??= 'TOTAL';
    const result = await next(args);
    usage.requests += 1;
    const command = context.commandName ?? 'unknown';
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
  },
  { step: 'initialize', name: 'dynamoUsage' },
);

function isWrite(command: string): boolean {
  return /^(Put|Update|Delete|TransactWrite|BatchWrite)/.test(command);
}
