import { requireLiveToken } from '../lib/http/actor.ts';
import { conditionalGet } from '../lib/http/etag.ts';
import { httpHandler } from '../lib/http/handler.ts';
import { okSerialized } from '../lib/http/responses.ts';
import { parse } from '../lib/http/validation.ts';
import { userListQuery } from '../lib/users/schemas.ts';
import { listUsers } from '../lib/users/service.ts';

export const handler = httpHandler(async (request) => {
  const [{ body, etag, cache }] = await Promise.all([listUsers(parse(userListQuery, request.query, 'query')), requireLiveToken(request)]);
  return conditionalGet(request, okSerialized(body, { 'X-Cache': cache }), etag);
});
