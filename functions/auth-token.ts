import { loginBody } from '../lib/auth/schemas.ts';
import { login } from '../lib/auth/login.ts';
import { httpHandler } from '../lib/http/handler.ts';
import { PUBLIC_ROUTES } from '../lib/http/public-routes.ts';
import { ok } from '../lib/http/responses.ts';
import { parse } from '../lib/http/validation.ts';

export const handler = httpHandler(async ({ body, event }) => {
  const { username, password } = parse(loginBody, body, 'body');
  const { token, expiresIn, userId } = await login(username, password, event.requestContext.http.sourceIp);
  return ok({ access_token: token, token_type: 'Bearer', expires_in: expiresIn, user_id: userId }, { 'Cache-Control': 'no-store' });
}, PUBLIC_ROUTES.authToken);
