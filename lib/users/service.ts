import { cachedUserList, invalidateUserList, type CacheOutcome, type SerializedList } from '../cache/users-cache.ts';
import { AppError, conflict, notFound, preconditionFailed } from '../errors.ts';
import { strongEtag } from '../http/etag.ts';
import { nextId } from '../repository/counters.ts';
import { roomIdsOfUser } from '../repository/rooms.ts';
import * as repository from '../repository/users.ts';
import { leaveRoom } from '../rooms/service.ts';
import { toPublicUser, type PublicUser, type StoredUser, type UserUpdate } from './model.ts';
import { hashPassword } from './password.ts';
import type { CreateUserInput, UserChanges, UserListFilters } from './schemas.ts';

/**
 * GET /users/: the list as sent (JSON text and its ETag), from the cache when it holds the current
 * version. Without filters the cached text is the answer as is; filters are applied to it.
 */
export async function listUsers(filters: UserListFilters = {}): Promise<SerializedList & { cache: CacheOutcome }> {
  const list = await cachedUserList(async () => serialized(await repository.listAllUsers()));
  if (Object.values(filters).every((value) => value === undefined)) return list;
  return { ...serialized(parsedUsers(list).filter((user) => matches(user, filters))), cache: list.cache };
}

function serialized(users: PublicUser[]): SerializedList {
  const body = JSON.stringify(users);
  return { body, etag: strongEtag(body) };
}

/** The last list parsed by this container, by ETag: repeated filtered reads of one version parse it once. */
let lastParsed: { etag: string; users: PublicUser[] } | undefined;

function parsedUsers(list: SerializedList): PublicUser[] {
  if (lastParsed?.etag !== list.etag) lastParsed = { etag: list.etag, users: JSON.parse(list.body) as PublicUser[] };
  return lastParsed.users;
}

function matches(user: PublicUser, filters: UserListFilters): boolean {
  return (
    (filters.id === undefined || user.id === filters.id) &&
    (filters.username === undefined || user.username === filters.username) &&
    (filters.first_name === undefined || user.first_name === filters.first_name) &&
    (filters.last_name === undefined || user.last_name === filters.last_name) &&
    (filters.profile__status === undefined || user.profile.status === filters.profile__status)
  );
}

export async function createUser(input: CreateUserInput): Promise<PublicUser> {
  const now = new Date().toISOString();
  const user: StoredUser = {
    id: await nextId('USER'),
    username: input.username,
    first_name: input.first_name ?? '',
    last_name: input.last_name ?? '',
    email: input.email ?? '',
    // The seed's defaults: Offline, no status message.
    profile: { status: input.profile?.status ?? 'Offline', status_msg: input.profile?.status_msg ?? null },
    passwordHash: await hashPassword(input.password),
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  await repository.insertUser(user);
  await invalidateUserList();
  return toPublicUser(user);
}

/** A write that keeps losing to concurrent writes of the same user re-reads it this many times. */
const MAX_UPDATE_ATTEMPTS = 8;

/**
 * PUT and PATCH: only the fields given change (as DRF's ModelSerializer.update does), each in one
 * conditional write of just those attributes, so concurrent updates of different fields all land
 * and an update never reverts another. A rename moves the username claim in the same transaction.
 * `precondition` (If-Match): checked against the user as stored now, and the write happens only if
 * the user is still exactly that (412 otherwise, nothing written).
 */
export async function updateUser(userId: number, changes: UserChanges, precondition?: (current: PublicUser) => boolean): Promise<PublicUser> {
  const { password, profile, ...fields } = changes;
  const update: UserUpdate = {
    fields: definedOnly(fields),
    profile: definedOnly(profile ?? {}),
    ...(password === undefined ? {} : { passwordHash: await hashPassword(password) }),
    at: new Date().toISOString(),
  };
  let expected: StoredUser | undefined;
  if (precondition) {
    expected = await repository.getUser(userId, { consistent: true });
    if (!expected) throw notFound(`User ${userId}`);
    if (!precondition(toPublicUser(expected))) throw stalePrecondition();
  }
  for (let attempt = 1; attempt <= MAX_UPDATE_ATTEMPTS; attempt++) {
    const written = await repository.updateUser(userId, update, expected);
    if (written.outcome === 'updated') {
      await invalidateUserList();
      return toPublicUser(written.user);
    }
    if (written.outcome === 'missing') throw notFound(`User ${userId}`);
    if (precondition) throw stalePrecondition();
    // Lost to a concurrent write: a rename needs the stored username (and version) to move the claim.
    expected = update.fields.username !== undefined && written.current.username !== update.fields.username ? written.current : undefined;
    if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * 2 ** attempt));
  }
  throw conflict('The user kept changing during the request; retry.');
}

const stalePrecondition = () => preconditionFailed('The user has changed since the ETag given in If-Match; nothing was written. GET it again.');

/**
 * Leaves every room first (a last leave deletes a group room, as any leave does), then deletes the
 * user; a DELETE that failed midway is completed by repeating it.
 */
export async function deleteUser(userId: number): Promise<void> {
  let user = await repository.getUser(userId, { consistent: true });
  if (!user) throw notFound(`User ${userId}`);
  for (const roomId of await roomIdsOfUser(userId)) {
    try {
      await leaveRoom(roomId, userId);
    } catch (error) {
      // Gone or left meanwhile: nothing left to undo in that room.
      if (!(error instanceof AppError && ['not_found', 'not_a_member'].includes(error.code))) throw error;
    }
  }
  for (let attempt = 1; (await repository.deleteUser(user)) === 'changed'; attempt++) {
    // Renamed meanwhile: delete under the name it has now.
    if (attempt >= MAX_UPDATE_ATTEMPTS) throw conflict('The user kept changing during the request; retry.');
    user = await repository.getUser(userId, { consistent: true });
    if (!user) break;
  }
  await invalidateUserList();
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
