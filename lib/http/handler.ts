import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { authMode } from '../auth/mode.ts';
import { signingKey, verifyToken } from '../auth/tokens.ts';
import { AppError, malformedJson, payloadTooLarge, serviceFailure } from '../errors.ts';
import { logger } from '../log.ts';
import { internalError, problemResponse } from './problem.ts';
import type { HttpContract } from '../routes.ts';
import type { HttpResponse } from './responses.ts';

export const MAX_BODY_BYTES = 64 * 1024;

export interface HttpRequest {
  body: unknown;
  path: Record<string, string | undefined>;
  query: Record<string, string | undefined>;
  headers: Record<string, string | undefined>;
  /** Token mode only: the verified subject of the Bearer token. */
  auth?: { userId: number };
  event: APIGatewayProxyEventV2;
  /** Milliseconds before the Lambda times out (a long poll must answer before that). */
  remainingMs(): number;
}

/**
 * What the middleware needs of a route's contract (lib/routes.ts): whether it is public. `none`:
 * tokens are not even looked at (the $default route answers 404/405 to anyone).
 */
export interface RouteOptions {
  auth: HttpContract['auth'] | 'none';
}

export type HttpRoute = (request: HttpRequest) => Promise<HttpResponse>;

/**
 * Wraps a route in the HTTP plumbing every endpoint shares: request-scoped logging, JSON body
 * parsing with a size limit, the mapping of errors to one problem+json shape, and HEAD.
 */
export function httpHandler(route: HttpRoute, options: RouteOptions = { auth: 'token' }) {
  const mode = authMode();
  if (mode === 'token') signingKey();
  return middy<APIGatewayProxyEventV2, HttpResponse, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    // Before the error mapping, so that its onError runs after it (middy runs those in reverse).
    .use({ after: withoutBodyForHead, onError: withoutBodyForHead })
    .use({ onError: mapErrorToResponse })
    .handler(async (event, context) => {
      const request = toRequest(event, context);
      if (mode === 'token' && options.auth !== 'none') request.auth = await authenticate(request, options);
      return route(request);
    });
}

/**
 * HEAD answers as GET does, without the body (API Gateway routes HEAD to the GET function: see
 * lib/routes.ts; serverless-offline lets hapi do it).
 */
function withoutBodyForHead(request: middy.Request<APIGatewayProxyEventV2, HttpResponse, Error, Context>) {
  if (request.event.requestContext?.http?.method === 'HEAD' && request.response) request.response = { ...request.response, body: '' };
}

const unauthorized = (code: string, detail: string) =>
  new AppError(401, code, detail, { headers: { 'WWW-Authenticate': 'Bearer' } });

async function authenticate(request: HttpRequest, options: RouteOptions): Promise<{ userId: number } | undefined> {
  const header = request.headers.authorization;
  if (!header) {
    if (options.auth === 'public') return undefined;
    throw unauthorized('unauthorized', 'This endpoint needs a Bearer token: POST /auth/token/ gives one.');
  }
  // API Gateway joins repeated headers with a comma; a token never holds one.
  if (header.includes(',')) throw unauthorized('invalid_token', 'Send exactly one Authorization header with one Bearer token.');
  const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  const userId = token ? await verifyToken(token) : undefined;
  if (userId === undefined) throw unauthorized('invalid_token', 'The Bearer token is malformed, expired or not ours.');
  return { userId };
}

function toRequest(event: APIGatewayProxyEventV2, context: Context): HttpRequest {
  let parsed: { value: unknown } | undefined;
  return {
    // Parsed (and its size checked) on first read: an endpoint that takes no body ignores whatever
    // is sent, as DRF does (request.data is parsed lazily there too).
    get body() {
      parsed ??= { value: parseBody(event) };
      return parsed.value;
    },
    path: event.pathParameters ?? {},
    query: event.queryStringParameters ?? {},
    headers: lowerCaseKeys(event.headers ?? {}),
    event,
    remainingMs: () => context.getRemainingTimeInMillis(),
  };
}

/** JSON: `application/json` or a `+json` type, with any parameters; no Content-Type is taken as JSON too. */
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/;

const unsupportedMediaType = (given: string) =>
  new AppError(415, 'unsupported_media_type', `The body must be JSON (Content-Type: application/json), not ${given}.`);

function parseBody(event: APIGatewayProxyEventV2): unknown {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  const contentType = Object.entries(event.headers ?? {}).find(([name]) => name.toLowerCase() === 'content-type')?.[1];
  const mediaType = contentType?.split(';')[0]!.trim().toLowerCase();
  if (mediaType && !JSON_MEDIA_TYPE.test(mediaType)) throw unsupportedMediaType(mediaType);
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
  const failure = serviceFailure(error);
  if (failure) {
    logger.error('a backing service failed', { status: failure.status, error: error as Error });
    request.response = problemResponse(failure);
    return;
  }
  logger.error('unhandled error', error as Error);
  request.response = internalError();
}
