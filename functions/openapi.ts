import document from '../lib/openapi/openapi.json' with { type: 'json' };
import { httpHandler } from '../lib/http/handler.ts';
import { PUBLIC_ROUTES } from '../lib/http/public-routes.ts';
import { json } from '../lib/http/responses.ts';

// Generated from the route table by `npm run client` (test/contract/generated.test.ts keeps it current).
const body = JSON.stringify(document);

export const handler = httpHandler(
  async () => ({ statusCode: 200, headers: { 'Content-Type': 'application/json', 'Cache-Control': 'public, max-age=300' }, body }),
  PUBLIC_ROUTES.openapi,
);
