import { ApiGatewayManagement } from '../aws/management.ts';
import { requiredEnv } from '../config.ts';
import type { ServerFrame } from './frames.ts';

/**
 * Posting to WebSocket connections through API Gateway's management API. The endpoint comes from
 * configuration (WEBSOCKET_MANAGEMENT_ENDPOINT), never from a request: the stream-triggered fan-out
 * has no request, serverless-offline's request context is fixed (`localhost`, stage `local`) and
 * its endpoint has no stage prefix, and a custom domain's URL differs from the API's own.
 */
let client: ApiGatewayManagement | undefined;

function management(): ApiGatewayManagement {
  client ??= new ApiGatewayManagement({
    endpoint: requiredEnv('WEBSOCKET_MANAGEMENT_ENDPOINT'),
    // A hung post must not hold a whole fan-out: API Gateway answers in milliseconds.
    limits: { connectionTimeoutMs: 1000, requestTimeoutMs: 3000, maxAttempts: 3 },
  });
  return client;
}

/** Per-process tally of management calls (tests and the benchmark count them, as dynamoUsage). */
export interface ManagementUsage {
  posts: number;
  gone: number;
  failed: number;
  deletes: number;
}

const usage: ManagementUsage = { posts: 0, gone: 0, failed: 0, deletes: 0 };

export const managementUsage = (): ManagementUsage => ({ ...usage });
export function resetManagementUsage(): void {
  Object.assign(usage, { posts: 0, gone: 0, failed: 0, deletes: 0 });
}

/**
 * API Gateway no longer knows the connection. Errors carry `name` and `$metadata.httpStatusCode`
 * as the SDK v3's did, never `statusCode` (what the AWS samples test, so they never clean up).
 */
export function isGone(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const status = (error as Error & { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return error.name === 'GoneException' || status === 410;
}

/** One frame to one connection: 'gone' when API Gateway answers 410; other failures throw. */
export async function postFrame(connectionId: string, frame: ServerFrame): Promise<'sent' | 'gone'> {
  usage.posts += 1;
  try {
    await management().postToConnection(connectionId, JSON.stringify(frame));
    return 'sent';
  } catch (error) {
    if (isGone(error)) {
      usage.gone += 1;
      return 'gone';
    }
    usage.failed += 1;
    throw error;
  }
}

/** Closes a connection (an evicted one); already gone is fine. */
export async function closeConnection(connectionId: string): Promise<void> {
  usage.deletes += 1;
  try {
    await management().deleteConnection(connectionId);
  } catch (error) {
    if (!isGone(error)) throw error;
  }
}
