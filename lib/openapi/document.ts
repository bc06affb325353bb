import * as z from 'zod/mini';
import type { AuthMode } from '../auth/mode.ts';
import { MAX_BODY_BYTES } from '../http/handler.ts';
import * as fields from '../http/fields.ts';
import { endpoints, type HttpContract } from '../routes.ts';
import packageJson from '../../package.json' with { type: 'json' };

type JsonObject = Record<string, unknown>;

/** Input-side JSON Schema (what a client sends) of a zod schema, without its `$schema` line. */
export function jsonSchema(schema: z.ZodMiniType): JsonObject {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' }) as JsonObject;
  return rest;
}

/**
 * The OpenAPI 3.1 description of the API as this stage runs it: in token mode every route but the
 * public ones needs a Bearer token, and a send's `from` is optional.
 */
export function openApiDocument(mode: AuthMode): JsonObject {
  const paths: Record<string, Record<string, JsonObject>> = {};
  for (const route of endpoints()) (paths[route.path] ??= {})[route.method.toLowerCase()] = operation(route, mode);
  return {
    openapi: '3.1.0',
    info: {
      title: 'chat-serverless',
      version: packageJson.version,
      description:
        'REST chat backend (a Django REST Framework chat app rebuilt on AWS Lambda). Errors are RFC 9457 problem+json. ' +
        (mode === 'token'
          ? 'Authentication: a Bearer token from POST /auth/token/; the acting user is its subject.'
          : 'The acting user is `?user_id=` (or a send’s `from`), as in the original app; no token.'),
    },
    tags: [
      { name: 'users' },
      { name: 'auth' },
      { name: 'rooms', description: 'Chat answers are the envelope {status, message, data}.' },
      { name: 'messages' },
      { name: 'docs' },
    ],
    paths,
    components: {
      schemas: { Problem: problemSchema },
      responses: {
        Problem: {
          description: 'An error, as problem+json (see `code`)',
          content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
        },
      },
      ...(mode === 'token' ? { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } } : {}),
    },
    ...(mode === 'token' ? { security: [{ bearer: [] }] } : {}),
  };
}

type RouteDoc = HttpContract & { name: string };

/** `?user_id=`, the acting user: the schema is the id field actingUserId parses it with. */
const actingUserQuery = (required: boolean) => z.object({ user_id: required ? fields.idText : z.optional(fields.idText) });

function operation(route: RouteDoc, mode: AuthMode): JsonObject {
  const parameters = [
    ...parametersOf(route.request?.path, 'path'),
    ...parametersOf(route.actor ? actingUserQuery(mode === 'query' && route.actor === 'required') : undefined, 'query', actorDescription(mode)),
    ...parametersOf(route.request?.query, 'query'),
    ...parametersOf(route.request?.headers, 'header'),
  ];
  const responses: JsonObject = {};
  for (const [status, description] of Object.entries(route.responses)) responses[status] = { description };
  responses['4XX'] = { $ref: '#/components/responses/Problem' };
  responses['5XX'] = { $ref: '#/components/responses/Problem' };
  return {
    operationId: operationId(route),
    summary: route.summary,
    tags: [route.tag],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(route.request?.body
      ? {
          requestBody: {
            required: true,
            description: `JSON, at most ${MAX_BODY_BYTES} bytes.`,
            content: { 'application/json': { schema: jsonSchema(route.request.body), ...(route.example === undefined ? {} : { example: route.example }) } },
          },
        }
      : {}),
    responses,
    ...(mode === 'token' && route.auth === 'public' ? { security: [] } : {}),
  };
}

const actorDescription = (mode: AuthMode) =>
  mode === 'token'
    ? 'The acting user; may be left out (it is the token’s user), and naming anyone else is 403.'
    : 'The acting user (a positive integer id).';

function parametersOf(schema: z.ZodMiniType | undefined, where: 'path' | 'query' | 'header', description?: string): JsonObject[] {
  if (!schema) return [];
  const { properties = {}, required = [] } = jsonSchema(schema) as { properties?: Record<string, JsonObject>; required?: string[] };
  return Object.entries(properties).map(([name, property]) => ({
    name: where === 'header' ? headerName(name) : name,
    in: where,
    required: where === 'path' || required.includes(name),
    ...(description ? { description } : {}),
    schema: property,
  }));
}

const headerName = (name: string) => name.replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => dash + letter.toUpperCase());

const operationId = (route: RouteDoc) =>
  [route.method.toLowerCase(), ...route.path.split('/').filter(Boolean).map((part) => part.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]/g, '_'))].join('_');

/** Response shape of lib/http/problem.ts (a response, so there is no request schema to derive it from). */
const problemSchema = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string', description: 'urn:chat-serverless:problem:<code>' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string', description: 'Stable: see the README, "Errors"' },
    errors: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } }, description: 'Offending field → messages' },
  },
};
