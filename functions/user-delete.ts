import { requireSelf } from '../lib/http/actor.ts';
import { httpHandler } from '../lib/http/handler.ts';
import { noContent } from '../lib/http/responses.ts';
import { parse } from '../lib/http/validation.ts';
import { userIdPath } from '../lib/users/schemas.ts';
import { deleteUser } from '../lib/users/service.ts';

export const handler = httpHandler(async (request) => {
  const { id } = parse(userIdPath, request.path, 'path');
  requireSelf(request, id);
  await deleteUser(id);
  return noContent();
});
