import { httpHandler } from '../lib/http/handler.ts';
import { noContent } from '../lib/http/responses.ts';
import { parse } from '../lib/http/validation.ts';
import { userIdPath } from '../lib/users/schemas.ts';
import { deleteUser } from '../lib/users/service.ts';

export const handler = httpHandler(async ({ path }) => {
  await deleteUser(parse(userIdPath, path, 'path').id);
  return noContent();
});
