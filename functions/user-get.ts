import { requireExistingUser, requireLiveToken } from '../lib/http/actor.ts';
import { conditionalGet } from '../lib/http/etag.ts';
import { httpHandler } from '../lib/http/handler.ts';
import { ok } from '../lib/http/responses.ts';
import { parse } from '../lib/http/validation.ts';
import { userIdPath } from '../lib/users/schemas.ts';

// requireExistingUser, not the users service: reading one user needs no user-list cache client.
export const handler = httpHandler(async (request) => {
  const { id } = parse(userIdPath, request.path, 'path');
  const [user] = await Promise.all([requireExistingUser(id), request.auth?.userId === id ? undefined : requireLiveToken(request)]);
  return conditionalGet(request, ok(user));
});
