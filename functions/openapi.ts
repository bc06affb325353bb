import { authMode } from '../lib/auth/mode.ts';
import { httpHandler } from '../lib/http/handler.ts';
import { ok } from '../lib/http/responses.ts';
import { openApiDocument } from '../lib/openapi/document.ts';
import { functions } from '../lib/routes.ts';

const document = openApiDocument(authMode());

export const handler = httpHandler(async () => ok(document, { 'Cache-Control': 'public, max-age=300' }), functions.openapi.http);
