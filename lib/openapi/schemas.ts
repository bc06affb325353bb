import * as z from 'zod/mini';
import { MAX_ID } from '../http/fields.ts';

/** An id in an answer: a positive integer, at most 2^53 − 1 (what a JSON number holds exactly). */
export const idNumber = z.int().check(z.gte(1), z.lte(MAX_ID));

/** A time in an answer: UTC, as `Date.prototype.toISOString` writes it. */
export const timestamp = z.iso.datetime().register(z.globalRegistry, { id: 'Timestamp', description: 'UTC, ISO 8601 with milliseconds, e.g. 2026-11-24T09:30:00.000Z.' });

/**
 * Every problem `code` the API answers, with its status: the document lists, per operation, the
 * codes it may answer (lib/routes.ts declares an endpoint's own; lib/openapi/document.ts adds the
 * ones every endpoint of its kind may answer). README, "Errors", explains each.
 */
export const PROBLEMS = {
  validation_failed: { status: 400, description: 'A field, path id, query value or header is wrong; `errors` names each one.' },
  malformed_json: { status: 400, description: 'The body is not JSON.' },
  already_member: { status: 400, description: 'Joining a room one is already a member of.' },
  not_a_member: { status: 400, description: 'Leaving a room one is not a member of.' },
  direct_room: { status: 400, description: 'Joining a direct room.' },
  unauthorized: { status: 401, description: 'Token mode: no Bearer token.', headers: ['WWW-Authenticate'] },
  invalid_token: { status: 401, description: 'Token mode: a malformed, expired or foreign Bearer token.', headers: ['WWW-Authenticate'] },
  invalid_credentials: { status: 401, description: 'Wrong username or password (the same answer for both).' },
  forbidden: { status: 403, description: 'Not allowed for this user: not a member of the room, or (token mode) acting for someone else.' },
  not_found: { status: 404, description: 'An unknown id, or a room the user may not see.' },
  route_not_found: { status: 404, description: 'No endpoint has this path.' },
  method_not_allowed: { status: 405, description: 'The path exists, not with this method; `Allow` lists the methods it has.', headers: ['Allow'] },
  conflict: { status: 409, description: 'A concurrent change kept winning after our retries (retry), or an Idempotency-Key reused with another request.' },
  precondition_failed: { status: 412, description: 'If-Match no longer matches the current ETag; nothing was written.' },
  payload_too_large: { status: 413, description: 'The body is over 64 KiB.' },
  item_too_large: { status: 413, description: 'The change would make a stored item larger than DynamoDB allows (400 KB); every item is bounded, so no request should get here.' },
  unsupported_media_type: { status: 415, description: 'A body that is not application/json.' },
  rate_limited: { status: 429, description: 'Too many sends, logins or (token mode) sign-ups.', headers: ['Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'] },
  internal: { status: 500, description: 'A bug, logged with the request id; the answer says nothing else.' },
  service_unavailable: { status: 503, description: 'DynamoDB throttled (Retry-After: 1), is down or did not answer in time (Retry-After: 5), or the queue refused a send (Retry-After: 1); nothing was changed unless the answer says so.', headers: ['Retry-After'] },
} as const satisfies Record<string, { status: number; description: string; headers?: readonly HeaderName[] }>;

export type ProblemCode = keyof typeof PROBLEMS;

/** RFC 9457 problem details, as lib/http/problem.ts writes them. */
export const problemResponse = z
  .object({
    type: z.string().register(z.globalRegistry, { description: 'urn:chat-serverless:problem:<code>' }),
    title: z.string(),
    status: z.int().check(z.gte(400), z.lte(599)),
    detail: z.string(),
    code: z.enum(Object.keys(PROBLEMS) as [ProblemCode, ...ProblemCode[]]),
    errors: z.optional(z.record(z.string(), z.array(z.string())).register(z.globalRegistry, { description: 'Offending field → messages' })),
    instance: z.optional(z.string()),
  })
  .register(z.globalRegistry, { id: 'Problem', description: 'An error (RFC 9457). `code` is stable; `detail` is for humans.' });

/**
 * The response headers the API sets (besides Content-Type), each documented once and referenced
 * by the answers that carry it. Values are strings on the wire; `integer` ones are whole numbers.
 */
export const HEADERS = {
  ETag: { description: 'Strong validator of the answer; send it back as If-None-Match to get 304 when nothing changed.', schema: { type: 'string' }, example: '"3kYq9x5Jd1qBtbV0Kx2uN1m9hZg"' },
  'Cache-Control': { description: 'How the answer may be cached.', schema: { type: 'string' }, example: 'private, no-cache' },
  'X-Cache': { description: 'Whether the user list came from the Redis cache (`hit`), filled it (`miss`), or the cache was off or down (`bypass`).', schema: { type: 'string', enum: ['hit', 'miss', 'bypass'] }, example: 'hit' },
  'Idempotent-Replayed': { description: 'A replay of the first answer to this Idempotency-Key: nothing was queued again.', schema: { type: 'string', enum: ['true'] }, example: 'true' },
  'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer', minimum: 0 }, example: 1 },
  'RateLimit-Limit': { description: 'Requests allowed in the window.', schema: { type: 'integer', minimum: 0 }, example: 30 },
  'RateLimit-Remaining': { description: 'Requests left in the window.', schema: { type: 'integer', minimum: 0 }, example: 0 },
  'RateLimit-Reset': { description: 'Seconds until the window frees up.', schema: { type: 'integer', minimum: 0 }, example: 7 },
  'WWW-Authenticate': { description: 'The authentication scheme: Bearer.', schema: { type: 'string' }, example: 'Bearer' },
  Allow: { description: 'The methods the path has.', schema: { type: 'string' }, example: 'GET, HEAD, POST' },
} as const;

export type HeaderName = keyof typeof HEADERS;

/** GET /openapi.json: an OpenAPI 3.1 document (the @seriousme/openapi-schema-validator test checks all of it). */
export const openApiDocumentResponse = z
  .looseObject({ openapi: z.string(), info: z.looseObject({ title: z.string(), version: z.string() }), paths: z.record(z.string(), z.unknown()) })
  .register(z.globalRegistry, { id: 'OpenApiDocument', description: 'This API’s OpenAPI 3.1 description.' });

/** GET /health. */
export const healthResponse = z
  .object({ status: z.literal('ok') })
  .register(z.globalRegistry, { id: 'Health', description: 'The function answers; no data store was read.' });

/** The headers a problem of this code carries. */
export const problemHeaders = (code: ProblemCode): readonly HeaderName[] => (PROBLEMS[code] as { headers?: readonly HeaderName[] }).headers ?? [];
