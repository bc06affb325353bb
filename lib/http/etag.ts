import { createHash } from 'node:crypto';
import type { HttpRequest } from './handler.ts';
import type { HttpResponse } from './responses.ts';

/**
 * Strong ETag from the exact body sent, so any change in what a client would see changes the tag;
 * a matching If-None-Match answers 304 with no body.
 */
export function conditionalGet(request: HttpRequest, response: HttpResponse): HttpResponse {
  if (response.statusCode !== 200 || typeof response.body !== 'string') return response;
  const etag = `"${createHash('sha256').update(response.body).digest('base64url').slice(0, 27)}"`;
  const headers = { ...response.headers, ETag: etag, 'Cache-Control': 'private, no-cache' };
  if (matches(request.headers['if-none-match'], etag)) return { statusCode: 304, headers: withoutContentType(headers), body: '' };
  return { ...response, headers };
}

function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === '*' || tag === etag);
}

function withoutContentType(headers: Record<string, string | number | boolean>) {
  const { 'Content-Type': _omitted, ...rest } = headers;
  return rest;
}
