import { requireSelf } from '../lib/http/actor.ts';
import { httpHandler } from '../lib/http/handler.ts';
import { ok } from '../lib/http/responses.ts';
import { parse } from '../lib/http/validation.ts';
import { patchUserBody, userIdPath } from '../lib/users/schemas.ts';
import { updateUser } from '../lib/users/service.ts';

export const handler = httpHandler(async (request) => {
  const { id } = parse(userIdPath, request.path, 'path');
  requireSelf(request, id);
  return ok(await updateUser(id, parse(patchUserBody, request.body, 'body')));
});
