import { nextId } from '../../lib/repository/counters.ts';
import { insertUser } from '../../lib/repository/users.ts';
import { uniqueName } from '../support/lambda.ts';

/**
 * A fresh user of this test's own (tests must not change the seed users' memberships for good).
 * Written straight to the repository with a placeholder hash: rooms tests never log in, and
 * skipping scrypt keeps crowds of users cheap on a shared machine.
 */
export async function newUser(prefix = 'member'): Promise<{ id: number; username: string }> {
  const now = new Date().toISOString();
  const user = {
    id: await nextId('USER'),
    username: uniqueName(prefix),
    first_name: '',
    last_name: '',
    email: '',
    profile: { status: 'Online' as const, status_msg: '' },
    passwordHash: 'unusable',
    createdAt: now,
    updatedAt: now,
  };
  await insertUser(user);
  return { id: user.id, username: user.username };
}

export async function newUsers(count: number, prefix = 'member') {
  return Promise.all(Array.from({ length: count }, () => newUser(prefix)));
}
