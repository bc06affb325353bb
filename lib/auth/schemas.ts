import * as z from 'zod/mini';
import { idNumber, text } from '../http/fields.ts';

export const loginBody = z.object({
  username: text(150),
  password: text(256),
});

/** The answer of POST /auth/token/. */
export const tokenResponse = z
  .object({ access_token: z.string(), token_type: z.literal('Bearer'), expires_in: z.int().check(z.positive()), user_id: idNumber })
  .register(z.globalRegistry, { id: 'Token', description: 'A Bearer token (an HS256 JWT) and how long it is valid, in seconds.' });
