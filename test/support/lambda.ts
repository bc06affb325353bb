import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { httpEvent, lambdaContext, type HttpCall } from '../../local/lambda-events.ts';

export { httpEvent, lambdaContext, type HttpCall } from '../../local/lambda-events.ts';

export interface HttpAnswer<T = any> {
  status: number;
  headers: Record<string, string>;
  body: T;
}

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;

export async function invoke<T = any>(handler: Handler, call: HttpCall): Promise<HttpAnswer<T>> {
  const result = (await handler(httpEvent(call), lambdaContext())) as {
    statusCode: number;
    headers?: Record<string, string>;
    body?: string;
  };
  return {
    status: result.statusCode,
    headers: result.headers ?? {},
    body: result.body ? JSON.parse(result.body) : undefined,
  };
}

/** A name no other test (or earlier run against the same stack) has used. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomUUID().slice(0, 8)}`;
}
