/**
 * The OpenAPI 3.1 document, generated from the route table (lib/routes.ts): one document for both
 * auth modes. Not imported by any Lambda: `npm run client` writes it to lib/openapi/openapi.json,
 * which GET /openapi.json serves and the typed client (client/) is generated from; a test checks
 * that the file is what this function generates.
 */
import * as z from 'zod/mini';
import packageJson from '../../package.json' with { type: 'json' };
import { integerTextBounds, idText } from '../http/fields.ts';
import { MAX_BODY_BYTES } from '../http/handler.ts';
import { REALTIME_PROTOCOL_DESCRIPTION } from '../realtime/protocol.ts';
import { problemTitle } from '../http/problem.ts';
import { statusName } from '../http/responses.ts';
import { functionEntries, headerName, PARAMETER_EXAMPLES, type FunctionEntry, type FunctionName, type HttpContract, type ObjectSchema, type ResponseSpec } from '../routes.ts';
import { HEADERS, PROBLEMS, problemHeaders, problemResponse, type HeaderName, type ProblemCode } from './schemas.ts';

export type JsonObject = Record<string, unknown>;

const COMPONENT = '#/components/schemas/';

/**
 * Integers given as text (path and query values) are documented as the integers they stand for,
 * with the bounds their schema checks.
 */
const integerParameters = (ctx: { zodSchema: unknown; jsonSchema: JsonObject }) => {
  const bounds = integerTextBounds.get(ctx.zodSchema as z.ZodMiniType);
  if (!bounds) return;
  for (const key of Object.keys(ctx.jsonSchema)) if (key !== 'description') delete ctx.jsonSchema[key];
  Object.assign(ctx.jsonSchema, { type: 'integer', ...bounds });
};

/**
 * The JSON Schema of what a client sends (the input side of a zod schema), inline. In a path or
 * query parameter a whole number is text that stands for an integer; in a body, text is text.
 */
export function requestSchema(schema: z.ZodMiniType, where: 'parameter' | 'body'): JsonObject {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io: 'input',
    target: 'draft-2020-12',
    unrepresentable: 'any',
    ...(where === 'parameter' ? { override: (ctx) => integerParameters(ctx as unknown as { zodSchema: unknown; jsonSchema: JsonObject }) } : {}),
  }) as JsonObject;
  if ('$defs' in rest) throw new Error('A request schema contains a schema registered with an id: request schemas are inlined, keep ids for answers');
  return rest;
}

/** Every answer schema registered with an id (lib/<domain>/schemas.ts), as components. */
function componentSchemas(): Record<string, JsonObject> {
  const { schemas } = z.toJSONSchema(z.globalRegistry, { io: 'output', target: 'draft-2020-12', unrepresentable: 'any', uri: (id) => `${COMPONENT}${id}` });
  return Object.fromEntries(
    Object.keys(schemas)
      .sort()
      .map((id) => {
        const { $schema: _dialect, $id: _id, ...rest } = schemas[id] as JsonObject;
        return [id, rest];
      }),
  );
}

/** A `$ref` to the component of an answer schema, which must be registered with an id. */
function ref(schema: z.ZodMiniType, where: string): JsonObject {
  const id = z.globalRegistry.get(schema)?.id;
  if (!id) throw new Error(`${where}: an answer schema needs an id (.register(z.globalRegistry, { id }) in its lib/<domain>/schemas.ts)`);
  return { $ref: `${COMPONENT}${id}` };
}

/** The seed's chat envelope around a component: `{status, message, data}` (no `data` when null). */
function envelopeSchema(status: number, data: z.ZodMiniType | null, where: string): JsonObject {
  const properties: JsonObject = { status: { type: 'integer', const: status }, message: { type: 'string', const: statusName(status) } };
  if (data) properties.data = ref(data, where);
  return { type: 'object', properties, required: Object.keys(properties), additionalProperties: false };
}

/**
 * What the operations share, gathered while they are generated: header objects and problem
 * answers, each written once under components and referenced.
 */
class Shared {
  readonly headers: Record<string, JsonObject> = {};
  readonly responses: Record<string, JsonObject> = {};

  /** A header always sent is `ETag`; one sent only sometimes, `ETag.sometimes`. */
  header(name: HeaderName, required: boolean): JsonObject {
    const key = required ? name : `${name}.sometimes`;
    const { description, schema, example } = HEADERS[name];
    this.headers[key] ??= { description, required, schema, example };
    return { $ref: `#/components/headers/${key}` };
  }

  /** The problem answer of one status for the given codes: the Problem schema with `code` narrowed to them. */
  problem(status: number, codes: ProblemCode[]): JsonObject {
    const key = `Problem${status}_${codes.join('_')}`;
    this.responses[key] ??= this.problemAnswer(status, codes);
    return { $ref: `#/components/responses/${key}` };
  }

  problemAnswer(status: number, codes: ProblemCode[]): JsonObject {
    const headerNames = [...new Set(codes.flatMap(problemHeaders))];
    const headers = headerNames.map((name) => [name, this.header(name, codes.every((code) => problemHeaders(code).includes(name)))]);
    const first = codes[0]!;
    return {
      description: codes.map((code) => `\`${code}\`: ${PROBLEMS[code].description}`).join(' '),
      ...(headers.length > 0 ? { headers: Object.fromEntries(headers) } : {}),
      content: {
        'application/problem+json': {
          schema: { allOf: [ref(problemResponse, 'Problem'), { properties: { status: { const: status }, code: { enum: codes } } }] },
          example: { type: `urn:chat-serverless:problem:${first}`, title: problemTitle(status), status, detail: PROBLEMS[first].description, code: first },
        },
      },
    };
  }
}

function successResponse(shared: Shared, status: number, spec: ResponseSpec, where: string): JsonObject {
  const headers = Object.entries(spec.headers ?? {}).map(([name, when]) => [name, shared.header(name as HeaderName, when === 'always')]);
  const body =
    spec.envelope !== undefined
      ? { schema: envelopeSchema(status, spec.envelope, where), example: { status, message: statusName(status), ...(spec.envelope ? { data: spec.example } : {}) } }
      : spec.json
        ? { schema: ref(spec.json, where), ...(spec.example === undefined ? {} : { example: spec.example }) }
        : undefined;
  return {
    description: spec.description,
    ...(headers.length > 0 ? { headers: Object.fromEntries(headers) } : {}),
    ...(body ? { content: { 'application/json': body } } : {}),
  };
}

/** What a function's IAM statements say of its storage: whether it calls any, and whether it writes items. */
export interface StorageUse {
  touches: boolean;
  writes: boolean;
}

const ITEM_WRITES = new Set(['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem']);

export function storageUse(entry: FunctionEntry): StorageUse {
  const actions = entry.iamRoleStatements.flatMap((statement) => statement.Action);
  return { touches: actions.length > 0, writes: actions.some((action) => ITEM_WRITES.has(action)) };
}

/**
 * The problems an endpoint may answer: its own, and those every endpoint of its kind may — the
 * error middleware maps a store's failure for any function that calls one (503; 409 for a
 * transaction that kept conflicting is listed per endpoint), and an item over DynamoDB's size
 * limit for any that writes one (413).
 */
export function problemCodes(route: HttpContract, storage: StorageUse): ProblemCode[] {
  const codes = new Set<ProblemCode>(route.errors ?? []);
  if (route.request || route.actor) codes.add('validation_failed');
  if (route.request?.body) for (const code of ['malformed_json', 'payload_too_large', 'unsupported_media_type'] as const) codes.add(code);
  // A public endpoint needs no token, but a bad one is refused all the same.
  if (route.auth === 'token') codes.add('unauthorized');
  codes.add('invalid_token');
  codes.add('internal');
  if (storage.touches) codes.add('service_unavailable');
  if (storage.writes) codes.add('item_too_large');
  return [...codes].sort((a, b) => PROBLEMS[a].status - PROBLEMS[b].status || a.localeCompare(b));
}

const ACTOR_DESCRIPTION = {
  required:
    'The acting user. Required on the local stage (`npm start`, AUTH_MODE=query), where it is all the authentication there is; with a Bearer token it defaults to the token’s user, and naming anyone else is 403.',
  optional:
    'The acting user, if any: without one, the anonymous view. With a Bearer token, naming anyone but the token’s user is 403.',
} as const;


function parameters(route: HttpContract, where: string): JsonObject[] {
  const example = (name: string) => {
    const value = route.parameterExamples?.[name] ?? PARAMETER_EXAMPLES[name];
    if (value === undefined) throw new Error(`${where}: no example for parameter ${name} (PARAMETER_EXAMPLES or the endpoint's parameterExamples)`);
    return value;
  };
  const of = (schema: ObjectSchema | undefined, location: 'path' | 'query' | 'header') => {
    if (!schema) return [];
    const { properties = {}, required = [] } = requestSchema(schema, 'parameter') as { properties?: Record<string, JsonObject>; required?: string[] };
    return Object.entries(properties).map(([key, { description, ...property }]) => {
      const name = location === 'header' ? headerName(key) : key;
      return { name, in: location, required: location === 'path' || required.includes(key), ...(description ? { description } : {}), schema: property, example: example(name) };
    });
  };
  const actor = route.actor
    ? [{ name: 'user_id', in: 'query', required: false, description: ACTOR_DESCRIPTION[route.actor], schema: requestSchema(idText, 'parameter'), example: example('user_id') }]
    : [];
  const conditional = route.responses[304]
    ? [{ name: 'If-None-Match', in: 'header', required: false, description: 'The ETag of an earlier answer: 304 without a body if it still matches.', schema: { type: 'string' }, example: example('If-None-Match') }]
    : [];
  return [...of(route.request?.path, 'path'), ...actor, ...of(route.request?.query, 'query'), ...of(route.request?.headers, 'header'), ...conditional];
}

function operation(shared: Shared, name: FunctionName, route: HttpContract, storage: StorageUse): JsonObject {
  const where = `${route.method} ${route.path} (${name})`;
  const responses: JsonObject = {};
  for (const [status, spec] of Object.entries(route.responses)) responses[status] = successResponse(shared, Number(status), spec, where);
  const byStatus = new Map<number, ProblemCode[]>();
  for (const code of problemCodes(route, storage)) byStatus.set(PROBLEMS[code].status, [...(byStatus.get(PROBLEMS[code].status) ?? []), code]);
  for (const [status, codes] of byStatus) responses[status] = shared.problem(status, codes);
  const body = route.request?.body;
  if (body && route.example === undefined) throw new Error(`${where}: a request body needs an example`);
  const parameterList = parameters(route, where);
  return {
    operationId: name,
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: [route.tag],
    ...(parameterList.length > 0 ? { parameters: parameterList } : {}),
    ...(body
      ? {
          requestBody: {
            required: true,
            description: `JSON (\`application/json\`), at most ${MAX_BODY_BYTES} bytes. Unknown fields are ignored.`,
            content: { 'application/json': { schema: requestSchema(body, 'body'), example: route.example } },
          },
        }
      : {}),
    responses,
    ...(route.auth === 'public' ? { security: [] } : {}),
  };
}

const DESCRIPTION = [
  'A chat backend: users, group rooms, direct messages, asynchronous sends with a task id, unread messages. It rebuilds a Django REST Framework app on AWS Lambda; every curl of that app works unchanged.',
  '',
  'Chat answers keep the seed’s envelope `{status, message, data}`. Every error, on every path, is an RFC 9457 problem (`application/problem+json`) with a stable `code`; an unknown path answers 404 (`route_not_found`) and a known path with another method 405 (`method_not_allowed`, with `Allow`). A body must be `application/json` (415 otherwise). Every GET also answers HEAD.',
  '',
  'Authentication depends on the stage. Deployed stages (`sls deploy`, AUTH_MODE=token) require a Bearer token from `POST /auth/token/` on every operation but the public ones; `user_id` and a send’s `from` may then be left out. The local stage (`npm start`, AUTH_MODE=query) takes no token: as in the original app, the acting user is `?user_id=` and a send’s `from`. One document describes both, so a client generated from it works against either.',
  '',
  REALTIME_PROTOCOL_DESCRIPTION,
].join('\n');

export function openApiDocument(): JsonObject {
  const shared = new Shared();
  const paths: Record<string, Record<string, JsonObject>> = {};
  for (const [name, entry] of functionEntries()) {
    if (!entry.http) continue;
    (paths[entry.http.path] ??= {})[entry.http.method.toLowerCase()] = operation(shared, name, entry.http, storageUse(entry));
  }
  // The $default route's answers (an unknown path or method), described once.
  const routeNotFound = shared.problemAnswer(404, ['route_not_found']);
  const methodNotAllowed = shared.problemAnswer(405, ['method_not_allowed']);
  return {
    openapi: '3.1.0',
    info: { title: 'chat-serverless', version: packageJson.version, description: DESCRIPTION },
    servers: [
      { url: '/', description: 'The server that serves this document' },
      { url: 'http://localhost:8000', description: '`npm start` (AUTH_MODE=query: no token)' },
      {
        url: 'https://{apiId}.execute-api.{region}.amazonaws.com',
        description: 'A deployed stage (`npx sls info --stage <stage>` prints its URL; AUTH_MODE=token)',
        variables: { apiId: { default: 'a1b2c3d4e5', description: 'The HTTP API id' }, region: { default: 'us-east-1' } },
      },
    ],
    tags: [
      { name: 'users', description: 'The seed’s users, with a nested profile; never a password.' },
      { name: 'auth', description: 'Bearer tokens for deployed stages.' },
      { name: 'rooms', description: 'Group rooms and their members; answers are the envelope {status, message, data}.' },
      { name: 'messages', description: 'Sends (asynchronous, idempotent), task states, history pages, unread messages.' },
      { name: 'service', description: 'This document, and a liveness check.' },
    ],
    security: [{ bearer: [] }, {}],
    paths,
    components: {
      schemas: componentSchemas(),
      responses: { ...sortedByKey(shared.responses), RouteNotFound: routeNotFound, MethodNotAllowed: methodNotAllowed },
      headers: sortedByKey(shared.headers),
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'Required on deployed stages (AUTH_MODE=token) by every operation that is not public (`security: []`); the local stage (AUTH_MODE=query) needs none, which the empty alternative of the top-level `security` stands for. A token is valid 15 minutes.',
        },
      },
    },
  };
}

const sortedByKey = (record: Record<string, JsonObject>) => Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
