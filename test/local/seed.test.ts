import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';

// Tables of this file's own (a private stage): the seed must find them empty.
const stage = `seed${randomUUID().slice(0, 8)}`;
Object.assign(process.env, { STAGE: stage, CHAT_TABLE: `chat-${stage}`, TASKS_TABLE: `chat-${stage}-tasks` });
const { createResources } = await import('../../local/resources.ts');
await createResources({ ...process.env } as Record<string, string>, { queues: false });
const { seedUsers, SEED_PASSWORD, SEED_USER_COUNT } = await import('../../lib/users/seed.ts');
const { verifyPassword } = await import('../../lib/users/password.ts');
const repository = await import('../../lib/repository/users.ts');
const { dynamoUsage, resetDynamoUsage } = await import('../../lib/repository/client.ts');

const seedNames = Array.from({ length: SEED_USER_COUNT }, (_, i) => `user_${i + 1}`);

describe('the seed users (lib/users/seed.ts)', () => {
  it('a fresh table gets user_1 … user_15 in one DynamoDB request, as the seed app leaves them', async () => {
    resetDynamoUsage();
    await seedUsers();
    expect(dynamoUsage().byCommand).toEqual({ TransactWriteItemsCommand: 1 });

    const users = await repository.listAllUsers();
    expect(users.map((u) => [u.id, u.username])).toEqual(seedNames.map((name, i) => [i + 1, name]));
    for (const user of users) {
      // mock_users.py creates a bare User; its Profile signal leaves the model's defaults.
      expect(user).toEqual({ id: user.id, username: user.username, first_name: '', last_name: '', email: '', profile: { status: 'Offline', status_msg: null }, date_joined: expect.any(String), is_active: true });
    }
    const stored = await repository.getUser(1);
    expect(await verifyPassword(SEED_PASSWORD, stored!.passwordHash)).toBe(true);
    expect(await verifyPassword('Passw0rd', stored!.passwordHash)).toBe(false);
  });

  it('seeding again creates nothing; a missing seed user comes back with the next id', async () => {
    await seedUsers();
    expect((await repository.listAllUsers()).map((u) => u.username)).toEqual(seedNames);

    const third = (await repository.getUser(3))!;
    await repository.deleteUser(third);
    await seedUsers();
    const users = await repository.listAllUsers();
    expect(users.map((u) => u.username).sort()).toEqual([...seedNames].sort());
    expect(users.find((u) => u.username === 'user_3')?.id).toBe(SEED_USER_COUNT + 1);
    expect(users.find((u) => u.username === 'user_4')?.id).toBe(4);
  });
});
