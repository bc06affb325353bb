import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { handler as openapiHandler } from '../../functions/openapi.ts';
import type { AuthMode } from '../../lib/auth/mode.ts';
import { openApiDocument } from '../../lib/openapi/document.ts';
import { routeTable } from '../../lib/openapi/routes.ts';
import { invoke } from '../support/lambda.ts';

const FUNCTIONS_DIR = fileURLToPath(new URL('../../infra/functions/', import.meta.url));
const MODES: AuthMode[] = ['query', 'token'];

/** Every `httpApi: 'METHOD /path'` event in infra/functions/*.yml, as `METHOD /path` without a trailing slash. */
function declaredRoutes(): string[] {
  const routes: string[] = [];
  for (const file of readdirSync(FUNCTIONS_DIR).filter((name) => name.endsWith('.yml'))) {
    const text = readFileSync(path.join(FUNCTIONS_DIR, file), 'utf8');
    for (const match of text.matchAll(/^\s*-\s*httpApi:\s*['"]?([A-Z]+)\s+(\S+?)['"]?\s*$/gm)) routes.push(`${match[1]} ${withoutSlash(match[2]!)}`);
    // The object form (httpApi: {method, path}) would escape the pattern above: refuse it here.
    expect(text, file).not.toMatch(/httpApi:\s*$/m);
  }
  return routes;
}

const withoutSlash = (route: string) => (route.length > 1 ? route.replace(/\/$/, '') : route);
const documentedRoutes = (mode: AuthMode) => routeTable(mode).map((route) => `${route.method.toUpperCase()} ${withoutSlash(route.path)}`);

describe('the OpenAPI document', () => {
  it('documents every HTTP route declared in infra/functions/*.yml, and nothing else', () => {
    const declared = declaredRoutes();
    expect(declared.length).toBeGreaterThan(10);
    for (const mode of MODES) expect(new Set(documentedRoutes(mode))).toEqual(new Set(declared));
    expect(new Set(declared).size).toBe(declared.length);
  });

  it("keeps the seed's trailing slashes in its paths (clients call those)", () => {
    const paths = routeTable('query').map((route) => route.path);
    expect(paths).toContain('/users/{id}/');
    expect(paths).toContain('/chat/chatroom/{id}/');
    expect(paths).toContain('/chat/task_state/{task_id}');
    for (const route of paths.filter((p) => p.startsWith('/users') || p.startsWith('/chat/chatroom') || p.startsWith('/chat/user') || p.startsWith('/chat/group'))) {
      expect(route).toMatch(/\/$/);
    }
  });

  it.each(MODES)('%s mode: every example request body is accepted by the schema that validates the route', (mode) => {
    const withBody = routeTable(mode).filter((route) => route.body);
    expect(withBody.length).toBeGreaterThan(5);
    for (const route of withBody) {
      expect(route.example, `${route.method} ${route.path}`).toBeDefined();
      const result = route.body!.safeParse(route.example);
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

  it('query mode: user_id is required where the seed requires it, and a send needs from', () => {
    const document = openApiDocument('query') as any;
    const join = document.paths['/chat/chatroom/{id}/'].put;
    expect(join.parameters.find((p: { name: string }) => p.name === 'user_id').required).toBe(true);
    expect(document.paths['/chat/user/{user_id}/'].post.requestBody.content['application/json'].schema.required).toEqual(['from', 'text']);
    expect(document.security).toBeUndefined();
  });

  it('is served by GET /openapi.json as JSON', async () => {
    const answer = await invoke(openapiHandler, { path: '/openapi.json' });
    expect(answer.status).toBe(200);
    expect(answer.headers['Content-Type']).toBe('application/json');
    expect(answer.body).toEqual(JSON.parse(JSON.stringify(openApiDocument('query'))));
  });
});
