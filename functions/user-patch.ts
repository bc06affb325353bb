import { requireSelf } from '../lib/http/actor.ts';
import { httpHandler } from '../lib/http/handler.ts';
import { parse } from '../lib/http/validation.ts';
import { ifMatchPrecondition, withEtag } from '../lib/users/etags.ts';
import { patchUserBody, userIdPath } from '../lib/users/schemas.ts';
import { updateUser } from '../lib/users/service.ts';

export const handler = httpHandler(async (request) => {
  const { id } = parse(userIdPath, request.path, 'path');
  requireSelf(request, id);
  return withEtag(await updateUser(id, parse(patchUserBody, request.body, 'body'), ifMatchPrecondition(request)));
});
