import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { handler as openapiHandler } from '../../functions/openapi.ts';
import type { AuthMode } from '../../lib/auth/mode.ts';
import { openApiDocument } from '../../lib/openapi/document.ts';
import { endpoints } from '../../lib/routes.ts';
import { invoke } from '../support/lambda.ts';

const MODES: AuthMode[] = ['query', 'token'];
const SEED_README = fileURLToPath(new URL('../../docs/seed/chat_webapp_DRF.md', import.meta.url));

/** `METHOD /path` of every curl in the seed README, e.g. `PUT /chat/chatroom/1/`. */
function seedCurls(): string[] {
  const text = readFileSync(SEED_README, 'utf8');
  return [...text.matchAll(/curl --location --request ([A-Z]+) '?http:\/\/localhost:8000([^'?\s]*)/g)].map((match) => `${match[1]} ${match[2]}`);
}

/** Whether a concrete path (`/chat/chatroom/1/`) is an instance of a documented one (`/chat/chatroom/{id}/`). */
const instanceOf = (concrete: string, template: string) =>
  new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}$`).test(concrete);

describe('the OpenAPI document', () => {
  it('has an operation for every curl of the seed README', () => {
    const curls = seedCurls();
    expect(curls.length).toBeGreaterThanOrEqual(12);
    for (const curl of curls) {
      const [method, concrete] = curl.split(' ') as [string, string];
      expect(endpoints().some((endpoint) => endpoint.method === method && instanceOf(concrete, endpoint.path)), curl).toBe(true);
    }
  });

  it("keeps the seed's trailing slashes in its paths (clients call those)", () => {
    const paths = endpoints().map((route) => route.path);
    expect(paths).toContain('/users/{id}/');
    expect(paths).toContain('/chat/chatroom/{id}/');
    expect(paths).toContain('/chat/task_state/{task_id}');
    for (const route of paths.filter((p) => p.startsWith('/users') || p.startsWith('/chat/chatroom') || p.startsWith('/chat/user') || p.startsWith('/chat/group'))) {
      expect(route).toMatch(/\/$/);
    }
  });

  it.each(MODES)('%s mode: every example request body is accepted by the schema that validates the route', (mode) => {
    const withBody = endpoints().filter((route) => route.request?.body);
    expect(withBody.length).toBeGreaterThan(5);
    for (const route of withBody) {
      expect(route.example, `${route.method} ${route.path}`).toBeDefined();
      const result = route.request!.body!.safeParse(route.example);
      expect(result.success, `${route.method} ${route.path}: ${JSON.stringify(result.error?.issues)}`).toBe(true);
    }
  });

  it.each(MODES)('%s mode: is a valid OpenAPI 3.1 document', async (mode) => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(openApiDocument(mode)));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('names every path parameter of each route path, as required', () => {
    for (const mode of MODES) {
      const document = openApiDocument(mode) as { paths: Record<string, Record<string, { parameters?: { name: string; in: string; required: boolean }[] }>> };
      for (const [route, operations] of Object.entries(document.paths)) {
        const names = [...route.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
        for (const operation of Object.values(operations)) {
          const declared = (operation.parameters ?? []).filter((p) => p.in === 'path');
          expect(declared.map((p) => p.name).sort(), route).toEqual(names.sort());
          expect(declared.every((p) => p.required)).toBe(true);
        }
      }
    }
  });

  it('query mode: user_id is required where the seed requires it', () => {
    const document = openApiDocument('query') as any;
    const join = document.paths['/chat/chatroom/{id}/'].put;
    expect(join.parameters.find((p: { name: string }) => p.name === 'user_id').required).toBe(true);
    // One body schema for both modes: `from` is optional in it (token mode), and query mode's 400 is documented.
    expect(document.paths['/chat/user/{user_id}/'].post.requestBody.content['application/json'].schema.required).toEqual(['text']);
    expect(document.security).toBeUndefined();
  });

  it('is served by GET /openapi.json as JSON', async () => {
    const answer = await invoke(openapiHandler, { path: '/openapi.json' });
    expect(answer.status).toBe(200);
    expect(answer.headers['Content-Type']).toBe('application/json');
    expect(answer.body).toEqual(JSON.parse(JSON.stringify(openApiDocument('query'))));
  });
});
