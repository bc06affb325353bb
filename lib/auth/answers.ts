/**
 * The answers of the auth endpoints, as the OpenAPI document describes them (lib/routes.ts
 * names them; test/support/contract.ts checks every answer of the tests against them). Beside
 * schemas.ts rather than in it: handlers import the request schemas, and no bundle needs these.
 */
import * as z from 'zod/mini';
import { idNumber } from '../openapi/schemas.ts';

/** The answer of POST /auth/token/. */
export const tokenResponse = z
  .object({ access_token: z.string(), token_type: z.literal('Bearer'), expires_in: z.int().check(z.positive()), user_id: idNumber })
  .register(z.globalRegistry, { id: 'Token', description: 'A Bearer token (an HS256 JWT) and how long it is valid, in seconds.' });
