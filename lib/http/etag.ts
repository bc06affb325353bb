import { createHash } from 'node:crypto';
import type { HttpRequest } from './handler.ts';
import type { HttpResponse } from './responses.ts';

/** Strong ETag of the exact body sent, so any change in what a client would see changes the tag. */
export function strongEtag(body: string): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}

/**
 * Adds the ETag (computed from the body unless given, e.g. cached with it); a matching
 * If-None-Match answers 304 with no body.
 */
export function conditionalGet(request: HttpRequest, response: HttpResponse, knownEtag?: string): HttpResponse {
  if (response.statusCode !== 200 || typeof response.body !== 'string') return response;
  const etag = knownEtag ?? strongEtag(response.body);
  const headers = { ...response.headers, ETag: etag, 'Cache-Control': 'private, no-cache' };
  if (noneMatch(request.headers['if-none-match'], etag)) return { statusCode: 304, headers: withoutContentType(headers), body: '' };
  return { ...response, headers };
}

/** If-None-Match compares weakly (RFC 9110 §13.1.2): `W/"x"` matches `"x"`. */
function noneMatch(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === '*' || tag === etag);
}

/**
 * If-Match compares strongly (RFC 9110 §13.1.1): only the current strong tag, or `*` (the resource
 * exists), matches; a weak tag never does.
 */
export function ifMatchAccepts(ifMatch: string, etag: string): boolean {
  return ifMatch
    .split(',')
    .map((tag) => tag.trim())
    .some((tag) => tag === '*' || tag === etag);
}

function withoutContentType(headers: Record<string, string | number | boolean>) {
  const { 'Content-Type': _omitted, ...rest } = headers;
  return rest;
}
