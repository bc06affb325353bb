import { invalidateUserList } from '../cache/users-cache.ts';
import { nextId } from '../repository/counters.ts';
import { findUserIdByUsername, insertFirstUsers, insertUser } from '../repository/users.ts';
import { AppError } from '../errors.ts';
import type { StoredUser } from './model.ts';

export const SEED_PASSWORD = 'Passw0rd!';
export const SEED_USER_COUNT = 15;
/**
 * hashPassword(SEED_PASSWORD), computed once: seeding does not run the slow KDF fifteen times on
 * every start. The seed users share it (and their password is public anyway).
 */
export const SEED_PASSWORD_HASH = 'scrypt$32768$8$1$hUkH14vZLvmLWp6mXTmIhw==$RWHC0gxBoT4iRSPJ1MJLhZXMwVixZPqyfxyie2XQyqc=';

/**
 * The seed app's user_n, as its mock_users command leaves it: a User with only a username and a
 * password, whose Profile signal gives the model defaults (status Offline, status_msg null).
 */
export function seedUser(n: number, now = new Date().toISOString()): StoredUser {
  return {
    id: n,
    username: `user_${n}`,
    first_name: '',
    last_name: '',
    email: '',
    profile: { status: 'Offline', status_msg: null },
    passwordHash: SEED_PASSWORD_HASH,
    createdAt: now,
    updatedAt: now,
  };
}

/**
 * The seed app's 15 dummy users, user_1 … user_15. A fresh table gets all of them in one
 * transaction (ids 1…15); a table that has users already (LocalStack keeps its data) gets only the
 * missing ones, with ids from the counter. Running it twice creates nothing new.
 */
export async function seedUsers(): Promise<void> {
  const users = Array.from({ length: SEED_USER_COUNT }, (_, i) => seedUser(i + 1));
  if ((await insertFirstUsers(users)) === 'inserted') {
    await invalidateUserList();
    return;
  }
  let added = false;
  for (const user of users) {
    if ((await findUserIdByUsername(user.username)) !== undefined) continue;
    try {
      await insertUser({ ...user, id: await nextId('USER') });
      added = true;
    } catch (error) {
      // Another seeder claimed the username meanwhile: it exists, which is all we want.
      if (!(error instanceof AppError && error.code === 'validation_failed')) throw error;
    }
  }
  if (added) await invalidateUserList();
}
