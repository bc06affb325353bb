import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { handler as openapiHandler } from '../../functions/openapi.ts';
import { openApiDocument } from '../../lib/openapi/document.ts';
import { http } from '../support/http.ts';
import { invoke } from '../support/lambda.ts';

const served = JSON.parse(readFileSync(fileURLToPath(new URL('../../lib/openapi/openapi.json', import.meta.url)), 'utf8'));

// The document itself is tested in test/unit/openapi-document.test.ts; here, that it is served.
describe('GET /openapi.json', () => {
  it('serves the document generated from the route table, publicly cacheable', async () => {
    const answer = await invoke(openapiHandler, { path: '/openapi.json' });
    expect(answer.status).toBe(200);
    expect(answer.headers['Content-Type']).toBe('application/json');
    expect(answer.headers['Cache-Control']).toBe('public, max-age=300');
    expect(answer.body).toEqual(served);
    expect(answer.body).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
  });

  it('over HTTP, as a client generator fetches it', async () => {
    const answer = await http('GET', '/openapi.json');
    expect(answer.status).toBe(200);
    expect(answer.body.openapi).toBe('3.1.0');
    expect(answer.body.paths['/chat/messages/{room_id}/'].get.operationId).toBe('messagesList');
  });
});
