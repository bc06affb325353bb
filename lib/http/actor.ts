import { AppError, forbidden, notFound, validationFailed } from '../errors.ts';
import { getUser } from '../repository/users.ts';
import { toPublicUser, type PublicUser } from '../users/model.ts';
import { idText } from './fields.ts';
import type { HttpRequest } from './handler.ts';
import { parse } from './validation.ts';

type ActorSource = Pick<HttpRequest, 'query'> & Partial<Pick<HttpRequest, 'auth'>>;

/**
 * Who is acting: the one place that decides it. Query mode (the seed's): `?user_id=`, a positive
 * integer id; missing (or empty, as the seed treats it) answers 400 when `required`, else
 * undefined (anonymous); malformed always answers 400. Token mode (request.auth set by the HTTP
 * middleware): the token's subject; a `?user_id=` naming anyone else is 403, and where the user
 * is optional its absence still means the anonymous view.
 */
export function actingUserId(request: ActorSource, options: { required: true }): number;
export function actingUserId(request: ActorSource, options?: { required?: boolean }): number | undefined;
export function actingUserId(request: ActorSource, options: { required?: boolean } = {}): number | undefined {
  const raw = request.query.user_id;
  const given = raw === undefined || raw === '' ? undefined : parse(idText, raw, 'user_id');
  if (request.auth) {
    if (given !== undefined && given !== request.auth.userId) throw forbidden('user_id must be the user of the Bearer token.');
    return given ?? (options.required ? request.auth.userId : undefined);
  }
  if (given === undefined && options.required) {
    throw validationFailed('The user_id query parameter is required.', { user_id: ['This query parameter is required.'] });
  }
  return given;
}

/**
 * Who creates a room: in token mode always the token's user (who becomes a member, as the README
 * promises: `user_id` defaults to the token's user); in query mode `?user_id=` if given, else
 * nobody (the seed's anonymous create).
 */
export function actingCreatorId(request: ActorSource): number | undefined {
  return actingUserId(request, { required: request.auth !== undefined });
}

/**
 * The sender of a message, i.e. the acting user. Query mode (the seed's): the body's `from`,
 * required. Token mode: the token's subject; `from` may be left out, and naming anyone else is 403.
 */
export function actingSenderId(request: ActorSource, claimedFrom: number | undefined): number {
  if (request.auth) {
    if (claimedFrom !== undefined && claimedFrom !== request.auth.userId) throw forbidden('from must be the user of the Bearer token.');
    return request.auth.userId;
  }
  if (claimedFrom === undefined) throw validationFailed('The body is not valid.', { from: ['This field is required.'] });
  return claimedFrom;
}

/**
 * Changing or deleting a user: in token mode only the token's own user (403 otherwise); in query
 * mode anyone, as in the seed, which has no authentication.
 */
export function requireSelf(request: ActorSource, userId: number): void {
  if (request.auth && request.auth.userId !== userId) throw forbidden('A user can only be changed or deleted by that user.');
}

/**
 * A user who must exist (404 otherwise), read strongly consistent (what a client just wrote, and
 * the ETag it got, is what it reads back). Reads the repository, not lib/users/service.ts, so a
 * function using it does not bundle the user-list cache.
 */
export async function requireExistingUser(userId: number): Promise<PublicUser> {
  const user = await getUser(userId, { consistent: true });
  if (!user) throw notFound(`User ${userId}`);
  return toPublicUser(user);
}

/**
 * Token mode, on the few endpoints that otherwise never read the token's user (the user list, one
 * other user, the anonymous room views): that user must still exist, so a deleted user's token is
 * useless at once. One strongly consistent GetItem, to run alongside the endpoint's own read. Every
 * other endpoint reads the acting user anyway and answers 404 once it is gone. User ids are never
 * reused, so an existing user is the token's user.
 */
export async function requireLiveToken(request: Partial<Pick<HttpRequest, 'auth'>>): Promise<void> {
  if (!request.auth) return;
  if (!(await getUser(request.auth.userId, { consistent: true }))) {
    throw new AppError(401, 'invalid_token', 'The user of this Bearer token no longer exists.', { headers: { 'WWW-Authenticate': 'Bearer' } });
  }
}
