import { httpHandler } from '../lib/http/handler.ts';
import { created } from '../lib/http/responses.ts';
import { parse } from '../lib/http/validation.ts';
import { usersCreate } from '../lib/routes.ts';
import { createUserBody } from '../lib/users/schemas.ts';
import { signUp } from '../lib/users/sign-up.ts';

export const handler = httpHandler(
  async ({ body, event }) => created(await signUp(parse(createUserBody, body, 'body'), event.requestContext.http.sourceIp)),
  usersCreate.http,
);
