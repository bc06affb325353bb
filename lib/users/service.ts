import { AppError, conflict, notFound } from '../errors.ts';
import { roomIdsOfUser } from '../repository/rooms.ts';
import { leaveRoom } from '../rooms/service.ts';
import { cachedUserList, invalidateUserList } from '../cache/users-cache.ts';
import { nextId } from '../repository/counters.ts';
import * as repository from '../repository/users.ts';
import { toPublicUser, type PublicUser, type StoredUser } from './model.ts';
import { hashPassword } from './password.ts';
import type { CreateUserInput, UserChanges, UserListFilters } from './schemas.ts';

export async function listUsers(filters: UserListFilters = {}) {
  const { users, cache, version } = await cachedUserList(() => repository.listAllUsers());
  return { users: users.filter((user) => matches(user, filters)), cache, version };
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
    profile: { status: input.profile?.status ?? 'Offline', status_msg: input.profile?.status_msg ?? '' },
    passwordHash: await hashPassword(input.password),
    createdAt: now,
    updatedAt: now,
  };
  await repository.insertUser(user);
  await invalidateUserList();
  return toPublicUser(user);
}

async function getStoredUser(userId: number): Promise<StoredUser> {
  const user = await repository.getUser(userId);
  if (!user) throw notFound(`User ${userId}`);
  return user;
}

export async function getUser(userId: number): Promise<PublicUser> {
  return toPublicUser(await getStoredUser(userId));
}

/** PUT and PATCH: both apply only the fields given (as DRF's ModelSerializer.update does). */
export async function updateUser(userId: number, changes: UserChanges): Promise<PublicUser> {
  const before = await getStoredUser(userId);
  const { password, profile, ...fields } = changes;
  const after: StoredUser = {
    ...before,
    ...definedOnly(fields),
    profile: { ...before.profile, ...definedOnly(profile ?? {}) },
    passwordHash: password === undefined ? before.passwordHash : await hashPassword(password),
    updatedAt: new Date().toISOString(),
  };
  if ((await repository.replaceUser(before, after)) === 'stale') {
    if (!(await repository.getUser(userId))) throw notFound(`User ${userId}`);
    throw conflict('The user was changed by another request at the same time; retry.');
  }
  await invalidateUserList();
  return toPublicUser(after);
}

/**
 * Leaves every room first (a last leave deletes a group room, as any leave does), then deletes the
 * user; a DELETE that failed midway is completed by repeating it.
 */
export async function deleteUser(userId: number): Promise<void> {
  const user = await getStoredUser(userId);
  for (const roomId of await roomIdsOfUser(userId)) {
    try {
      await leaveRoom(roomId, userId);
    } catch (error) {
      // Gone or left meanwhile: nothing left to undo in that room.
      if (!(error instanceof AppError && ['not_found', 'not_a_member'].includes(error.code))) throw error;
    }
  }
  await repository.deleteUser(user);
  await invalidateUserList();
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
