import { httpHandler } from '../lib/http/handler.ts';
import { PUBLIC_ROUTES } from '../lib/http/public-routes.ts';
import { created } from '../lib/http/responses.ts';
import { parse } from '../lib/http/validation.ts';
import { createUserBody } from '../lib/users/schemas.ts';
import { signUp } from '../lib/users/sign-up.ts';

export const handler = httpHandler(
  async ({ body, event }) => created(await signUp(parse(createUserBody, body, 'body'), event.requestContext.http.sourceIp)),
  PUBLIC_ROUTES.usersCreate,
);
