import { findUserIdByUsername } from '../repository/users.ts';
import { createUser } from './service.ts';

export const SEED_PASSWORD = 'Passw0rd!';
export const SEED_USER_COUNT = 15;

/** The seed app's 15 dummy users, user_1 … user_15; running it twice creates nothing new. */
export async function seedUsers(): Promise<void> {
  for (let n = 1; n <= SEED_USER_COUNT; n++) {
    const username = `user_${n}`;
    if ((await findUserIdByUsername(username)) !== undefined) continue;
    await createUser({ username, password: SEED_PASSWORD, first_name: '', last_name: '', email: '', profile: { status: 'Online', status_msg: '' } });
  }
}
