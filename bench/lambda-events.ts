/**
 * Lambda events as API Gateway (HTTP API, payload 2.0) and the SQS event source mapping build them,
 * to invoke handlers inside the benchmark process (built by local/lambda-events.ts).
 */
import type { Context, SQSRecord } from 'aws-lambda';
import { httpEvent, lambdaContext, sqsRecord as sharedSqsRecord, type HttpCall } from '../local/lambda-events.ts';

export { lambdaContext };

export interface HandlerAnswer {
  status: number;
  headers: Record<string, string>;
  body: any;
}

export type LambdaHandler = (event: any, context: Context) => Promise<unknown>;

export async function invokeHttp(handler: LambdaHandler, call: HttpCall, functionName = 'bench'): Promise<HandlerAnswer> {
  const result = (await handler(httpEvent(call), lambdaContext(functionName))) as { statusCode: number; headers?: Record<string, string>; body?: string };
  return { status: result.statusCode, headers: result.headers ?? {}, body: result.body ? JSON.parse(result.body) : undefined };
}

/** An SQS record of the message queue as Lambda's event source mapping delivers it. */
export const sqsRecord = (body: string, groupId: string, deduplicationId: string): SQSRecord =>
  sharedSqsRecord(body, { groupId, deduplicationId });
