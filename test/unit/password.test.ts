import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../../lib/users/password.ts';

describe('password hashing', () => {
  it('stores a salted scrypt hash that verifies the right password only', async () => {
    const hash = await hashPassword('Passw0rd!');
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(hash).not.toContain('Passw0rd!');
    expect(await verifyPassword('Passw0rd!', hash)).toBe(true);
    expect(await verifyPassword('passw0rd!', hash)).toBe(false);
    expect(await hashPassword('Passw0rd!')).not.toBe(hash);
  });

  it('refuses a hash it does not understand', async () => {
    expect(await verifyPassword('x', 'md5$abc')).toBe(false);
  });
});
