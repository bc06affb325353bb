import { httpHandler } from '../lib/http/handler.ts';
import { created } from '../lib/http/responses.ts';
import { parse } from '../lib/http/validation.ts';
import { usersCreate } from '../lib/routes.ts';
import { createUserBody } from '../lib/users/schemas.ts';
import { createUser } from '../lib/users/service.ts';

export const handler = httpHandler(async ({ body }) => created(await createUser(parse(createUserBody, body, 'body'))), usersCreate.http);
