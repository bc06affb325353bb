import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { httpEvent, lambdaContext, type HttpCall } from '../../local/lambda-events.ts';
import { endpoints, handlerFile } from '../../lib/routes.ts';
import { checkExchange } from './contract.ts';

export { httpEvent, lambdaContext, type HttpCall } from '../../local/lambda-events.ts';

export interface HttpAnswer<T = any> {
  status: number;
  headers: Record<string, string>;
  body: T;
}

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;

export interface LambdaResult {
  statusCode: number;
  headers?: Record<string, string>;
  body?: string;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let operations: Promise<Map<unknown, string>> | undefined;

/**
 * The operation a handler serves (its function name in lib/routes.ts), found by identity: this
 * test file's instance of each functions/*.ts module. Undefined for a handler built by the test.
 */
async function operationOf(handler: unknown): Promise<string | undefined> {
  operations ??= (async () => {
    const byHandler = new Map<unknown, string>();
    for (const endpoint of endpoints()) {
      try {
        const module = (await import(/* @vite-ignore */ path.join(ROOT, handlerFile(endpoint.handler)))) as { handler: unknown };
        byHandler.set(module.handler, endpoint.name);
      } catch {
        // A module this test's environment cannot load (e.g. a deliberately broken configuration).
      }
    }
    return byHandler;
  })();
  return (await operations).get(handler);
}

/**
 * Checks a Lambda's answer to an API Gateway event against the OpenAPI document (see
 * test/support/contract.ts), for tests that invoke handlers with events of their own.
 */
export async function checkLambdaAnswer(handler: unknown, event: APIGatewayProxyEventV2, result: LambdaResult): Promise<void> {
  const operationId = await operationOf(handler);
  if (!operationId) return;
  await checkExchange({ method: event.requestContext.http.method, path: event.rawPath, operationId, status: result.statusCode, headers: result.headers ?? {}, body: result.body });
}

/** Invokes a handler in process with an API Gateway event; the answer is checked against the OpenAPI document. */
export async function invoke<T = any>(handler: Handler, call: HttpCall): Promise<HttpAnswer<T>> {
  const event = httpEvent(call);
  const result = (await handler(event, lambdaContext())) as LambdaResult;
  await checkLambdaAnswer(handler, event, result);
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
