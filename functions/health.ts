import { httpHandler } from '../lib/http/handler.ts';
import { PUBLIC_ROUTES } from '../lib/http/public-routes.ts';
import { ok } from '../lib/http/responses.ts';

/**
 * GET /health: the function answers, and touches nothing (no DynamoDB, SQS or Redis), so an uptime
 * check costs no database request, and the benchmark has the floor of a request through API Gateway
 * (or serverless-offline) and our HTTP plumbing.
 */
export const handler = httpHandler(async () => ok({ status: 'ok' }, { 'Cache-Control': 'no-store' }), PUBLIC_ROUTES.health);
