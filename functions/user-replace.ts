import { httpHandler } from '../lib/http/handler.ts';
import { ok } from '../lib/http/responses.ts';
import { parse } from '../lib/http/validation.ts';
import { replaceUserBody, userIdPath } from '../lib/users/schemas.ts';
import { updateUser } from '../lib/users/service.ts';

export const handler = httpHandler(async ({ path, body }) => {
  const { id } = parse(userIdPath, path, 'path');
  return ok(await updateUser(id, parse(replaceUserBody, body, 'body')));
});
