import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { idText } from '../../lib/http/fields.ts';
import { openApiDocument, storageUse, type JsonObject } from '../../lib/openapi/document.ts';
import { CLIENT_SCHEMA_FILE, DOCUMENT_FILE, generatedFiles } from '../../lib/openapi/generate.ts';
import { endpoints, functions, PARAMETER_EXAMPLES, type ObjectSchema } from '../../lib/routes.ts';
import { REALTIME_PROTOCOL_DESCRIPTION } from '../../lib/realtime/protocol.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const document = openApiDocument();

interface Parameter {
  name: string;
  in: string;
  required: boolean;
  schema: JsonObject;
  example: unknown;
}
interface Operation {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: JsonObject; example: unknown }> };
  responses: Record<string, JsonObject>;
  security?: unknown[];
}
const paths = document.paths as Record<string, Record<string, Operation>>;
const operations = Object.entries(paths).flatMap(([path, item]) => Object.entries(item).map(([method, operation]) => ({ path, method, operation })));
const operation = (path: string, method: string) => paths[path]![method]!;

/** A response, its `$ref` resolved. */
function resolve(node: JsonObject): JsonObject {
  if (typeof node.$ref !== 'string') return node;
  const [, , kind, name] = node.$ref.split('/');
  return resolve((document.components as Record<string, Record<string, JsonObject>>)[kind!]![name!]!);
}

const ajv = new Ajv2020({ allErrors: true, strict: false, validateSchema: false });
addFormatsModule.default(ajv);
ajv.addSchema({ ...document, $id: 'doc' });
const matchesSchema = (schema: JsonObject, value: unknown) => {
  const validate = ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll(`"#/components/`, `"doc#/components/`)));
  return validate(value) ? [] : validate.errors;
};

/** The seed README's curls, `METHOD /path` (e.g. `PUT /chat/chatroom/1/`). */
function seedCurls(): string[] {
  const text = readFileSync(`${ROOT}docs/seed/chat_webapp_DRF.md`, 'utf8');
  return [...text.matchAll(/curl --location --request ([A-Z]+) '?http:\/\/localhost:8000([^'?\s]*)/g)].map((match) => `${match[1]} ${match[2]}`);
}

describe('the OpenAPI document (generated from lib/routes.ts)', () => {
  it('is checked in as generated: lib/openapi/openapi.json and client/schema.ts are current (npm run client)', async () => {
    const files = await generatedFiles();
    expect(Object.keys(files).sort()).toEqual([CLIENT_SCHEMA_FILE, DOCUMENT_FILE].sort());
    for (const [file, text] of Object.entries(files)) {
      expect(readFileSync(`${ROOT}${file}`, 'utf8') === text, `${file} is stale: run npm run client`).toBe(true);
    }
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('has an operation for each endpoint of the route table, and one for every curl of the seed README', () => {
    expect(operations.map(({ operation }) => operation.operationId).sort()).toEqual(endpoints().map((endpoint) => endpoint.name).sort());
    const curls = seedCurls();
    expect(curls.length).toBeGreaterThanOrEqual(12);
    for (const curl of curls) {
      const [method, concrete] = curl.split(' ') as [string, string];
      const found = operations.some(({ path, method: m }) => m === method.toLowerCase() && new RegExp(`^${path.replace(/\{\w+\}/g, '[^/]+')}$`).test(concrete));
      expect(found, curl).toBe(true);
    }
  });

  it("keeps the seed's trailing slashes in its paths (clients call those)", () => {
    for (const path of ['/users/', '/users/{id}/', '/chat/chatroom/{id}/', '/chat/user/{user_id}/', '/chat/group/{room_id}/', '/chat/messages/unseen/']) expect(paths).toHaveProperty([path]);
    expect(paths).toHaveProperty(['/chat/task_state/{task_id}']);
  });

  it('names every path parameter of each path, as required', () => {
    for (const { path, operation: op } of operations) {
      const names = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      const declared = (op.parameters ?? []).filter((p) => p.in === 'path');
      expect(declared.map((p) => p.name).sort(), path).toEqual(names.sort());
      expect(declared.every((p) => p.required)).toBe(true);
    }
  });

  it('types numbers as integers with the bounds validation uses: ids 1..2^53−1, limit 1..100, wait 0..20', () => {
    const parameter = (path: string, method: string, name: string) => operation(path, method).parameters!.find((p) => p.name === name)!.schema;
    const id = { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER };
    expect(parameter('/users/{id}/', 'get', 'id')).toEqual(id);
    expect(parameter('/chat/messages/{room_id}/', 'get', 'room_id')).toEqual(id);
    expect(parameter('/chat/messages/{room_id}/', 'get', 'user_id')).toEqual(id);
    expect(parameter('/chat/messages/{room_id}/', 'get', 'limit')).toEqual({ type: 'integer', minimum: 1, maximum: 100 });
    expect(parameter('/chat/messages/unseen/', 'get', 'wait')).toEqual({ type: 'integer', minimum: 0, maximum: 20 });
    const schemas = document.components as { schemas: Record<string, { properties: Record<string, JsonObject> }> };
    expect(schemas.schemas.User!.properties.id).toEqual(id);
    expect(schemas.schemas.Message!.properties.sequence).toEqual({ type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
  });

  it('has an example for every parameter, which the schema that validates it accepts', () => {
    const byName = new Map(endpoints().map((endpoint) => [endpoint.name, endpoint]));
    for (const { operation: op } of operations) {
      const endpoint = byName.get(op.operationId as never)!;
      for (const parameter of op.parameters ?? []) expect(parameter.example, `${op.operationId} ${parameter.name}`).toBeDefined();
      const values = (location: string) => Object.fromEntries((op.parameters ?? []).filter((p) => p.in === location).map((p) => [p.name.toLowerCase() === p.name ? p.name : p.name.toLowerCase(), String(p.example)]));
      const accepts = (schema: ObjectSchema | undefined, location: string) => {
        if (!schema) return;
        const result = schema.safeParse(values(location));
        expect(result.success, `${op.operationId} ${location}: ${JSON.stringify(result.error?.issues)}`).toBe(true);
      };
      const query = values('query');
      if (endpoint.actor) expect(idText.safeParse(query.user_id).success, `${op.operationId} user_id`).toBe(true);
      accepts(endpoint.request?.path, 'path');
      accepts(endpoint.request?.query, 'query');
      accepts(endpoint.request?.headers, 'header');
    }
    expect(Object.keys(PARAMETER_EXAMPLES).length).toBeGreaterThan(10);
  });

  it('has an example for every request body, which the schema that validates the route accepts', () => {
    const withBody = endpoints().filter((endpoint) => endpoint.request?.body);
    expect(withBody.length).toBeGreaterThanOrEqual(7);
    for (const endpoint of withBody) {
      const result = endpoint.request!.body!.safeParse(endpoint.example);
      expect(result.success, `${endpoint.name}: ${JSON.stringify(result.error?.issues)}`).toBe(true);
      expect(operation(endpoint.path, endpoint.method.toLowerCase()).requestBody!.content['application/json']!.example).toEqual(endpoint.example);
    }
  });

  it('has an example for every answer with a body, which its documented schema accepts', () => {
    let checked = 0;
    for (const { operation: op } of operations) {
      for (const [status, node] of Object.entries(op.responses)) {
        for (const [mediaType, media] of Object.entries((resolve(node).content ?? {}) as Record<string, { schema: JsonObject; example?: unknown }>)) {
          if (op.operationId === 'openapi') continue; // its example is the document itself
          expect(media.example, `${op.operationId} ${status} ${mediaType}`).toBeDefined();
          expect(matchesSchema(media.schema, media.example), `${op.operationId} ${status}`).toEqual([]);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('documents the problems of each kind of endpoint: 500 everywhere, 413/415 with a body, 401 without a token, 503 with storage, 413 item_too_large where it writes', () => {
    const codesOf = (node: JsonObject | undefined) =>
      node ? ((resolve(node).content as Record<string, { schema: { allOf: JsonObject[] } }>)['application/problem+json']!.schema.allOf[1]!.properties as { code: { enum: string[] } }).code.enum : [];
    for (const endpoint of endpoints()) {
      const op = operation(endpoint.path, endpoint.method.toLowerCase());
      const statuses = Object.keys(op.responses);
      const storage = storageUse(functions[endpoint.name]);
      expect(statuses, endpoint.name).toContain('500');
      expect(statuses, endpoint.name).toContain('401');
      if (endpoint.request?.body) expect(statuses, endpoint.name).toEqual(expect.arrayContaining(['400', '413', '415']));
      // Exactly the functions that call a store may answer 503; the public GET /health and /openapi.json call none.
      expect(statuses.includes('503'), endpoint.name).toBe(storage.touches);
      expect(codesOf(op.responses['413']).includes('item_too_large'), endpoint.name).toBe(storage.writes);
      for (const status of statuses.filter((s) => Number(s) >= 400)) {
        expect(Object.keys(resolve(op.responses[status]!).content as JsonObject), `${endpoint.name} ${status}`).toEqual(['application/problem+json']);
      }
    }
    const limited = resolve(operation('/chat/group/{room_id}/', 'post').responses['429']!);
    expect(Object.keys(limited.headers as JsonObject).sort()).toEqual(['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'Retry-After']);
    expect(resolve((resolve(operation('/users/', 'get').responses['401']!).headers as Record<string, JsonObject>)['WWW-Authenticate']!).required).toBe(true);
  });

  it('is one document for both auth modes: bearer where deployed, the acting user and `from` as the local stage takes them', () => {
    expect(document.security).toEqual([{ bearer: [] }, {}]);
    for (const name of ['usersCreate', 'authToken', 'openapi', 'health']) {
      const endpoint = endpoints().find((candidate) => candidate.name === name)!;
      expect(operation(endpoint.path, endpoint.method.toLowerCase()).security, name).toEqual([]);
    }
    const join = operation('/chat/chatroom/{id}/', 'put');
    const userId = join.parameters!.find((p) => p.name === 'user_id')!;
    expect(userId).toMatchObject({ in: 'query', required: false });
    expect(String((userId as unknown as { description: string }).description)).toContain('AUTH_MODE=query');
    const send = operation('/chat/user/{user_id}/', 'post').requestBody!.content['application/json']!.schema;
    expect(send.required).toEqual(['text']);
    expect(document.servers).toEqual(expect.arrayContaining([expect.objectContaining({ url: 'http://localhost:8000' })]));
  });

  it('describes the WebSocket protocol of live delivery, which has no operations of its own', () => {
    expect(String((document.info as JsonObject).description)).toContain(REALTIME_PROTOCOL_DESCRIPTION);
  });

  it('says how an unknown path or method answers (the $default route)', () => {
    const responses = (document.components as { responses: Record<string, JsonObject> }).responses;
    expect(responses.RouteNotFound).toBeDefined();
    expect(Object.keys(responses.MethodNotAllowed!.headers as JsonObject)).toEqual(['Allow']);
  });
});
