import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { AppError, malformedJson, payloadTooLarge } from '../errors.ts';
import { logger } from '../log.ts';
import { internalError, problemResponse } from './problem.ts';
import type { HttpResponse } from './responses.ts';

export const MAX_BODY_BYTES = 64 * 1024;

export interface HttpRequest {
  body: unknown;
  path: Record<string, string | undefined>;
  query: Record<string, string | undefined>;
  headers: Record<string, string | undefined>;
  event: APIGatewayProxyEventV2;
}

export type HttpRoute = (request: HttpRequest) => Promise<HttpResponse>;

/**
 * Wraps a route in the HTTP plumbing every endpoint shares: request-scoped logging, JSON body
 * parsing with a size limit, and the mapping of errors to one problem+json shape.
 */
export function httpHandler(route: HttpRoute) {
  return middy<APIGatewayProxyEventV2, HttpResponse, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use({ onError: mapErrorToResponse })
    .handler((event) => route(toRequest(event)));
}

function toRequest(event: APIGatewayProxyEventV2): HttpRequest {
  return {
    body: parseBody(event),
    path: event.pathParameters ?? {},
    query: event.queryStringParameters ?? {},
    headers: lowerCaseKeys(event.headers ?? {}),
    event,
  };
}

function parseBody(event: APIGatewayProxyEventV2): unknown {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
  if (raw.byteLength > MAX_BODY_BYTES) throw payloadTooLarge(MAX_BODY_BYTES);
  const text = raw.toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw malformedJson();
  }
}

function lowerCaseKeys(headers: Record<string, string | undefined>) {
  return Object.fromEntries(Object.entries(headers).map(([key, value]) => [key.toLowerCase(), value]));
}

async function mapErrorToResponse(request: middy.Request<APIGatewayProxyEventV2, HttpResponse, Error, Context>) {
  const { error } = request;
  if (error instanceof AppError) {
    if (error.status >= 500) logger.error('request failed', { code: error.code, detail: error.message });
    else logger.info('request rejected', { status: error.status, code: error.code });
    request.response = problemResponse(error);
    return;
  }
  logger.error('unhandled error', error as Error);
  request.response = internalError();
}
