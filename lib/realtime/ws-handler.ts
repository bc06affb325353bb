import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyWebsocketEventV2, Context } from 'aws-lambda';
import { AppError } from '../errors.ts';
import { logger } from '../log.ts';
import { errorFrame, type ServerFrame } from './frames.ts';

/** A WebSocket route's event ($connect's carries the query string). */
export type WebSocketEvent = APIGatewayProxyWebsocketEventV2 & { queryStringParameters?: Record<string, string | undefined> };

export interface WebSocketRequest {
  connectionId: string;
  /** The client's frame parsed as JSON (undefined: none, or not JSON). */
  body: unknown;
  query: Record<string, string | undefined>;
}

export interface WebSocketResult {
  statusCode: number;
  /** Sent back to the client on routes with a route response (routeResponseSelectionExpression). */
  body?: string;
}

/**
 * The plumbing every WebSocket route shares: request-scoped logging and one mapping of errors.
 * What a route returns is its answer frame; an AppError answers an `error` frame with its code
 * (and, at $connect, its status refuses the connection); anything else is a bug: logged, and
 * answered 500 with nothing in it.
 */
export function webSocketHandler(route: (request: WebSocketRequest) => Promise<ServerFrame | undefined>) {
  return middy<WebSocketEvent, WebSocketResult, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event) => {
      try {
        const frame = await route({ connectionId: event.requestContext.connectionId, body: parseFrame(event.body), query: event.queryStringParameters ?? {} });
        return frame ? { statusCode: 200, body: JSON.stringify(frame) } : { statusCode: 200 };
      } catch (error) {
        if (error instanceof AppError) return { statusCode: error.status, body: JSON.stringify(errorFrame(error.code, error.message)) };
        logger.error('unhandled error', { error: error as Error, routeKey: event.requestContext.routeKey });
        return { statusCode: 500, body: JSON.stringify(errorFrame('internal', 'Internal error.')) };
      }
    });
}

function parseFrame(body: string | undefined): unknown {
  if (body === undefined || body === '') return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}
