/**
 * Cost per million messages at AWS list prices (us-east-1), derived from the MEASURED DynamoDB
 * units and handler durations of this run. Prices change: PRICES_AS_OF says when these were read.
 */
import type { DdbResult } from './ddb.ts';
import { round } from './stats.ts';

export const PRICES_AS_OF = '2026-11 (AWS list prices, us-east-1; they change — check the pricing pages)';

export const PRICES = {
  /** API Gateway HTTP API, per request (first 300 M a month). */
  apiGatewayRequest: 1.0 / 1e6,
  /** Lambda, per request. */
  lambdaRequest: 0.2 / 1e6,
  /** Lambda arm64, per GB-second. */
  lambdaGbSecondArm: 0.0000133334,
  /** SQS FIFO, per request (each 64 KB chunk of a payload is one request). */
  sqsFifoRequest: 0.5 / 1e6,
  /** DynamoDB on-demand, per write request unit (after the November 2024 price cut). */
  dynamoWriteUnit: 0.625 / 1e6,
  /** DynamoDB on-demand, per read request unit. */
  dynamoReadUnit: 0.125 / 1e6,
};

/** serverless.yml provider.memorySize. */
export const LAMBDA_MEMORY_GB = 1024 / 1024;
/** The consumer's SQS batchSize: one receive and one delete call per 10 messages. */
export const CONSUMER_BATCH = 10;

export interface CostLine {
  item: string;
  basis: string;
  usdPerMillion: number;
}

export interface CostModel {
  pricesAsOf: string;
  lines: CostLine[];
  usdPerMillionMessages: number;
  dominant: string;
  /** What one GET /chat/task_state/ poll costs, per million polls (clients poll after a send). */
  usdPerMillionTaskPolls: number;
}

const lambdaDuration = (ms: number) => (Math.ceil(ms) / 1000) * LAMBDA_MEMORY_GB * PRICES.lambdaGbSecondArm;

export function costModel(ddb: DdbResult): CostModel {
  const e2e = ddb.messageEndToEnd;
  const sendMs = ddb.lambdaMs.sendGroup;
  const consumerMs = ddb.lambdaMs.consumerPerMessage;
  const sqsRequests = 1 + 2 / CONSUMER_BATCH;
  const perMessage: CostLine[] = [
    { item: 'API Gateway HTTP API', basis: '1 request', usdPerMillion: PRICES.apiGatewayRequest },
    { item: 'send Lambda', basis: `1 invoke + ${Math.ceil(sendMs)} ms × 1 GB`, usdPerMillion: PRICES.lambdaRequest + lambdaDuration(sendMs) },
    { item: 'SQS FIFO', basis: `1 send + 1/${CONSUMER_BATCH} receive + 1/${CONSUMER_BATCH} delete`, usdPerMillion: sqsRequests * PRICES.sqsFifoRequest },
    {
      item: 'consumer Lambda',
      basis: `1/${CONSUMER_BATCH} invoke + ${consumerMs} ms × 1 GB (batch of ${CONSUMER_BATCH} ÷ ${CONSUMER_BATCH})`,
      usdPerMillion: PRICES.lambdaRequest / CONSUMER_BATCH + (consumerMs / 1000) * LAMBDA_MEMORY_GB * PRICES.lambdaGbSecondArm,
    },
    { item: 'DynamoDB writes', basis: `${e2e.wcu} WRU`, usdPerMillion: e2e.wcu * PRICES.dynamoWriteUnit },
    { item: 'DynamoDB reads', basis: `${e2e.rcu} RRU`, usdPerMillion: e2e.rcu * PRICES.dynamoReadUnit },
  ].map((line) => ({ ...line, usdPerMillion: round(line.usdPerMillion * 1e6, 3) }));
  const total = perMessage.reduce((sum, line) => sum + line.usdPerMillion, 0);
  const dominant = [...perMessage].sort((a, b) => b.usdPerMillion - a.usdPerMillion)[0]!;
  const poll = ddb.endpoints.taskState;
  const pollCost =
    PRICES.apiGatewayRequest + PRICES.lambdaRequest + lambdaDuration(poll?.ms ?? 0) + (poll?.rcu ?? 0) * PRICES.dynamoReadUnit;
  return {
    pricesAsOf: PRICES_AS_OF,
    lines: perMessage,
    usdPerMillionMessages: round(total, 2),
    dominant: `${dominant.item} (${Math.round((100 * dominant.usdPerMillion) / total)} %)`,
    usdPerMillionTaskPolls: round(pollCost * 1e6, 2),
  };
}
