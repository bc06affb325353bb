import { httpHandler } from '../lib/http/handler.ts';
import { ok } from '../lib/http/responses.ts';
import { parse } from '../lib/http/validation.ts';
import { userIdPath } from '../lib/users/schemas.ts';
import { getUser } from '../lib/users/service.ts';

export const handler = httpHandler(async ({ path }) => ok(await getUser(parse(userIdPath, path, 'path').id)));
