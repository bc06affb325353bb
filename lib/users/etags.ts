import type { HttpRequest } from '../http/handler.ts';
import { ifMatchAccepts, strongEtag } from '../http/etag.ts';
import { ok, type HttpResponse } from '../http/responses.ts';
import { parse } from '../http/validation.ts';
import type { PublicUser } from './model.ts';
import { userUpdateHeaders } from './schemas.ts';

/**
 * A user's ETag is the strong tag of its JSON representation (what GET /users/:id/ sends), so it
 * changes exactly when what a client sees changes.
 */
export const userEtag = (user: PublicUser) => strongEtag(JSON.stringify(user));

/** The user as a 200 with its ETag (the answer of PUT and PATCH). */
export function withEtag(user: PublicUser): HttpResponse {
  return ok(user, { ETag: userEtag(user) });
}

/** An If-Match header as the check updateUser runs on the stored user (strong comparison), if one was sent. */
export function ifMatchPrecondition(request: Pick<HttpRequest, 'headers'>): ((current: PublicUser) => boolean) | undefined {
  const ifMatch = parse(userUpdateHeaders, request.headers, 'headers')['if-match'];
  return ifMatch === undefined ? undefined : (current) => ifMatchAccepts(ifMatch, userEtag(current));
}
