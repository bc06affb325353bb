/**
 * The answers of the user endpoints, as the OpenAPI document describes them (lib/routes.ts
 * names them; test/support/contract.ts checks every answer of the tests against them). Beside
 * schemas.ts rather than in it: handlers import the request schemas, and no bundle needs these.
 */
import * as z from 'zod/mini';
import { idNumber, timestamp } from '../openapi/schemas.ts';
import { PROFILE_STATUSES } from './model.ts';

export const profileResponse = z.object({ status: z.enum(PROFILE_STATUSES), status_msg: z.nullable(z.string()) });

/** A user as the API shows it (lib/users/model.ts PublicUser): never a password or its hash. */
export const userResponse = z
  .object({
    id: idNumber,
    username: z.string(),
    first_name: z.string(),
    last_name: z.string(),
    email: z.string(),
    profile: profileResponse,
    date_joined: timestamp,
    is_active: z.literal(true).register(z.globalRegistry, { description: 'Always true: a user is deleted, never deactivated.' }),
  })
  .register(z.globalRegistry, { id: 'User', description: 'A user; never a password or its hash. status_msg is null until one is set, as in the seed.' });

export const userListResponse = z.array(userResponse).register(z.globalRegistry, { id: 'UserList', description: 'A plain JSON array of users, as the seed answers.' });
