import { requiredEnv } from '../lib/config.ts';
import { httpHandler } from '../lib/http/handler.ts';
import { unmatchedRoute } from '../lib/http/unmatched.ts';

// The API's routes, from the route table (set by lib/routes.ts for this function): no table in the bundle.
const routes = requiredEnv('API_ROUTES').split(',');

// Unknown path or method: 404 or 405 to anyone, token or not.
export const handler = httpHandler(async ({ event }) => {
  throw unmatchedRoute(event.requestContext.http.method, event.rawPath, routes);
}, { auth: 'none' });
