import { requireExistingUser } from '../lib/http/actor.ts';
import { httpHandler } from '../lib/http/handler.ts';
import { ok } from '../lib/http/responses.ts';
import { parse } from '../lib/http/validation.ts';
import { userIdPath } from '../lib/users/schemas.ts';

// requireExistingUser, not the users service: reading one user needs no user-list cache client.
export const handler = httpHandler(async ({ path }) => ok(await requireExistingUser(parse(userIdPath, path, 'path').id)));
