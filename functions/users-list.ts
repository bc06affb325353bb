import { conditionalGet } from '../lib/http/etag.ts';
import { httpHandler } from '../lib/http/handler.ts';
import { ok } from '../lib/http/responses.ts';
import { parse } from '../lib/http/validation.ts';
import { userListQuery } from '../lib/users/schemas.ts';
import { listUsers } from '../lib/users/service.ts';

export const handler = httpHandler(async (request) => {
  const { users, cache } = await listUsers(parse(userListQuery, request.query, 'query'));
  return conditionalGet(request, ok(users, { 'X-Cache': cache }));
});
