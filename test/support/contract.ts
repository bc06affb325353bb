/**
 * The contract check: every answer the tests receive (test/support/http.ts over HTTP,
 * test/support/lambda.ts in process) is checked against the OpenAPI document generated from the
 * route table. Its status must be documented for the operation, its body must match the
 * documented schema (or be absent), and its headers must be the documented ones with documented
 * values. A mismatch throws, so the test that received the answer fails, with a message that names
 * the operation, the status and each difference. Each checked answer is counted in
 * CONTRACT_LOG (set by test/support/global-setup.ts, which prints the total at the end of the run).
 *
 * The document is generated on the first check, not when this module is imported: generating it
 * evaluates lib modules that read their configuration at import (lib/config.ts `stage`), and a
 * test file that sets a private STAGE before importing lib must get it even though its static
 * imports (this module, through test/support/lambda.ts) are evaluated before its first line.
 */
import { appendFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { JsonObject } from '../../lib/openapi/document.ts';

/** One answer as the client saw it. `operationId` when known (in process: from the handler). */
export interface Exchange {
  method: string;
  /** The path called, with or without its query string. */
  path: string;
  operationId?: string;
  status: number;
  headers: Record<string, string | number | boolean | undefined>;
  /** The raw body; empty or undefined when there is none. */
  body: string | undefined;
}

/**
 * Headers that belong to the transport, not to the API: set by API Gateway, serverless-offline
 * (hapi: compression, and `cache-control: no-cache` where the answer sets none) or Node's HTTP
 * stack, and CORS (API Gateway's own, README "CORS"). Any other header an answer carries must be
 * documented for that answer.
 */
const TRANSPORT_HEADERS = new Set(['content-type', 'content-length', 'content-encoding', 'date', 'connection', 'keep-alive', 'transfer-encoding', 'vary', 'apigw-requestid', 'accept-ranges']);
const isTransportHeader = (name: string, value: string) =>
  TRANSPORT_HEADERS.has(name) || name.startsWith('access-control-') || name.startsWith('x-amzn-') || name.startsWith('x-amz-') || (name === 'cache-control' && value === 'no-cache');

const DOCUMENT_ID = 'https://chat-serverless.invalid/openapi.json';

interface Operation {
  operationId: string;
  method: string;
  /** As documented, e.g. /chat/chatroom/{id}/ */
  path: string;
  responses: Record<string, JsonObject>;
}

interface Contract {
  document: JsonObject;
  ajv: Ajv2020;
  operations: Operation[];
  validators: Map<string, ValidateFunction>;
}

let contract: Contract | undefined;

/** Generates the document and compiles its validators, once per module registry. */
async function loadContract(): Promise<Contract> {
  if (contract) return contract;
  const { openApiDocument } = await import('../../lib/openapi/document.ts');
  const document = openApiDocument();
  // strict: false — the document is OpenAPI, not only JSON Schema (its schemas sit among other keys).
  const ajv = new Ajv2020({ allErrors: true, strict: false, validateSchema: false });
  // ajv-formats is CommonJS: under Node's ESM interop its default export is the module object.
  addFormatsModule.default(ajv);
  ajv.addSchema({ ...document, $id: DOCUMENT_ID });
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, JsonObject>>)) {
    for (const [method, operation] of Object.entries(item)) {
      operations.push({ operationId: operation.operationId as string, method: method.toUpperCase(), path, responses: operation.responses as Record<string, JsonObject> });
    }
  }
  contract ??= { document, ajv, operations, validators: new Map() };
  return contract;
}

/** The contract, once checkExchange has loaded it. */
function load(): Contract {
  if (!contract) throw new Error('contract: not loaded (checkExchange loads it)');
  return contract;
}

export class ContractError extends Error {
  override name = 'ContractError';
}

const pointer = (...parts: string[]) => parts.map((part) => part.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

/** Resolves a local `$ref` of the document. */
function resolve(node: JsonObject): JsonObject {
  const target = node.$ref;
  if (typeof target !== 'string') return node;
  let found: unknown = load().document;
  for (const part of target.replace(/^#\//, '').split('/')) found = (found as JsonObject)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  return resolve(found as JsonObject);
}

function validatorAt(ref: string): ValidateFunction {
  const { ajv, validators } = load();
  let validate = validators.get(ref);
  if (!validate) {
    validate = ajv.compile({ $ref: `${DOCUMENT_ID}#/${ref}` });
    validators.set(ref, validate);
  }
  return validate;
}

const withoutSlash = (path: string) => (path.length > 1 ? path.replace(/\/$/, '') : path);
const matches = (concrete: string, template: string) =>
  new RegExp(`^${withoutSlash(template).replace(/[.]/g, '\\.').replace(/\{\w+\}/g, '[^/]+')}$`).test(withoutSlash(concrete));

/** The operations of a concrete path: a literal segment wins over a parameter ('unseen' over {room_id}). */
function operationsOfPath(path: string): Operation[] {
  const candidates = load().operations.filter((operation) => matches(path, operation.path));
  const literals = (template: string) => template.split('/').filter((part) => part && !part.startsWith('{')).length;
  const best = Math.max(...candidates.map((operation) => literals(operation.path)));
  return candidates.filter((operation) => literals(operation.path) === best);
}

function describeBody(body: string | undefined) {
  if (!body) return '(no body)';
  return body.length > 600 ? `${body.slice(0, 600)}…` : body;
}

/** Checks one answer; throws a ContractError listing every difference. Returns what was checked. */
export async function checkExchange(exchange: Exchange): Promise<{ operationId: string; status: number } | undefined> {
  await loadContract();
  const method = exchange.method.toUpperCase();
  const path = exchange.path.split('?')[0]!;
  // Preflights are answered by API Gateway's CORS (and serverless-offline's emulation of it).
  if (method === 'OPTIONS') return undefined;
  const { operations } = load();
  const head = method === 'HEAD';
  let operation: Operation | undefined;
  let responseNode: JsonObject | undefined;
  let label: string;
  if (exchange.operationId) {
    operation = operations.find((candidate) => candidate.operationId === exchange.operationId);
    if (!operation) throw new ContractError(`contract: no operation ${exchange.operationId} in the document`);
  } else {
    const ofPath = operationsOfPath(path);
    operation = ofPath.find((candidate) => candidate.method === method || (head && candidate.method === 'GET'));
    if (!operation) {
      // The $default route: an unknown path, or a known path with another method.
      const allowed = ofPath.flatMap((candidate) => (candidate.method === 'GET' ? ['GET', 'HEAD'] : [candidate.method]));
      label = `${method} ${path} (no operation: ${ofPath.length === 0 ? 'unknown path' : `the path has ${allowed.join(', ')}`})`;
      responseNode = resolve({ $ref: `#/components/responses/${ofPath.length === 0 ? 'RouteNotFound' : 'MethodNotAllowed'}` });
      const expected = ofPath.length === 0 ? 404 : 405;
      const problems: string[] = [];
      if (exchange.status !== expected) problems.push(`status ${exchange.status}, expected ${expected}`);
      if (expected === 405) {
        const allow = headerValue(exchange.headers, 'allow');
        const listed = (allow ?? '').split(',').map((value) => value.trim()).filter(Boolean).sort();
        if (listed.join(',') !== [...new Set(allowed)].sort().join(',')) problems.push(`Allow is "${allow ?? ''}", expected the path's methods ${[...new Set(allowed)].sort().join(', ')}`);
      }
      if (problems.length === 0) problems.push(...differences(exchange, responseNode, `components/responses/${expected === 404 ? 'RouteNotFound' : 'MethodNotAllowed'}`, head));
      return report(problems, label, exchange, { operationId: expected === 404 ? '$default (404)' : '$default (405)', status: exchange.status });
    }
  }
  label = `${operation.method} ${operation.path} (${operation.operationId})`;
  const documented = operation.responses[String(exchange.status)];
  if (!documented) {
    const listed = Object.keys(operation.responses).join(', ');
    return report([`status ${exchange.status} is not documented for this operation (documented: ${listed})`], label, exchange, undefined);
  }
  responseNode = resolve(documented);
  const at =
    typeof documented.$ref === 'string'
      ? documented.$ref.replace(/^#\//, '')
      : pointer('paths', operation.path, operation.method.toLowerCase(), 'responses', String(exchange.status));
  return report(differences(exchange, responseNode, at, head), label, exchange, { operationId: operation.operationId, status: exchange.status });
}

function headerValue(headers: Exchange['headers'], name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name && value !== undefined) return String(value);
  return undefined;
}

/** Every way an answer differs from a documented response. */
function differences(exchange: Exchange, response: JsonObject, at: string, head: boolean): string[] {
  const problems: string[] = [];
  const content = response.content as Record<string, JsonObject> | undefined;
  const contentType = headerValue(exchange.headers, 'content-type');
  const body = exchange.body ?? '';
  if (!content) {
    if (contentType !== undefined) problems.push(`Content-Type "${contentType}" on an answer documented without a body`);
    if (body !== '') problems.push('a body on an answer documented without one');
  } else {
    const mediaType = contentType?.split(';')[0]!.trim().toLowerCase();
    if (!mediaType || !content[mediaType]) {
      problems.push(`Content-Type "${contentType ?? '(none)'}", documented: ${Object.keys(content).join(', ')}`);
    } else if (head) {
      if (body !== '') problems.push('a body in the answer to HEAD');
    } else {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        problems.push(`the body is not JSON`);
      }
      if (parsed !== undefined) {
        const validate = validatorAt(`${at}/content/${pointer(mediaType)}/schema`);
        if (!validate(parsed)) {
          for (const error of validate.errors ?? []) {
            const extra = 'additionalProperty' in error.params ? ` "${String(error.params.additionalProperty)}"` : 'allowedValues' in error.params ? ` ${JSON.stringify(error.params.allowedValues)}` : '';
            problems.push(`body${error.instancePath || ''}: ${error.message ?? error.keyword}${extra} (schema ${error.schemaPath})`);
          }
        }
      }
    }
  }
  const documentedHeaders = Object.fromEntries(
    Object.entries((response.headers ?? {}) as Record<string, JsonObject>).map(([name, header]) => [name.toLowerCase(), { name, header: resolve(header) }]),
  );
  for (const { name, header } of Object.values(documentedHeaders)) {
    const value = headerValue(exchange.headers, name.toLowerCase());
    if (value === undefined) {
      if (header.required) problems.push(`header ${name} is documented as always sent, and is missing`);
      continue;
    }
    const schema = header.schema as JsonObject;
    const typed = schema.type === 'integer' && /^-?\d+$/.test(value) ? Number(value) : value;
    const validate = load().ajv.compile(schema);
    if (!validate(typed)) problems.push(`header ${name}: "${value}" ${validate.errors?.map((error) => error.message).join(', ')}`);
  }
  for (const [key, value] of Object.entries(exchange.headers)) {
    const name = key.toLowerCase();
    if (value === undefined || documentedHeaders[name] || isTransportHeader(name, String(value))) continue;
    problems.push(`header ${key} is not documented for this answer`);
  }
  return problems;
}

function report<T>(problems: string[], label: string, exchange: Exchange, checked: T): T {
  if (problems.length > 0) {
    throw new ContractError(
      [`contract: ${label} answered ${exchange.status}, which the OpenAPI document does not describe:`, ...problems.map((problem) => `  - ${problem}`), `  request: ${exchange.method} ${exchange.path}`, `  body: ${describeBody(exchange.body)}`].join('\n'),
    );
  }
  const log = process.env.CONTRACT_LOG;
  const done = checked as { operationId: string; status: number } | undefined;
  if (log && done) appendFileSync(log, `${done.operationId} ${exchange.method.toUpperCase()} ${done.status}\n`);
  return checked;
}
