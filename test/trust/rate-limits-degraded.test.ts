import { describe, expect, it, vi } from 'vitest';
import { invoke, uniqueName } from '../support/lambda.ts';
import { freePort } from '../../local/free-port.ts';

/**
 * A fresh module registry (a cold start) with the environment as it is now, and the logger of
 * that registry spied on.
 */
async function coldStart() {
  vi.resetModules();
  const { logger } = await import('../../lib/log.ts');
  const warn = vi.spyOn(logger, 'warn');
  const error = vi.spyOn(logger, 'error');
  const { handler: sendGroup } = await import('../../functions/send-group.ts');
  const { handler: tokenHandler } = await import('../../functions/auth-token.ts');
  const { createUser } = await import('../../lib/users/service.ts');
  const { createGroupRoom } = await import('../../lib/rooms/service.ts');
  const alice = await createUser({ username: uniqueName('unlimited'), password: 'Passw0rd!' });
  const room = await createGroupRoom({ room_name: uniqueName('unlimited'), room_member: [{ username: alice.username }] });
  const send = () => invoke(sendGroup, { method: 'POST', path: `/chat/group/${room.id}/`, pathParameters: { room_id: String(room.id) }, body: { from: alice.id, text: 'hi' } });
  const login = () => invoke(tokenHandler, { method: 'POST', path: '/auth/token/', body: { username: alice.username, password: 'Passw0rd!' } });
  return { send, login, warn, error };
}

const messages = (spy: { mock: { calls: unknown[][] } }) => spy.mock.calls.map(([message]) => message);

// One request over each limit: with Redis working, the second would be refused.
process.env.RATE_LIMIT_SENDS = '1/60s';
process.env.RATE_LIMIT_LOGINS_PER_USER = '1/60s';
process.env.RATE_LIMIT_LOGINS_PER_IP = '1/60s';
process.env.AUTH_TOKEN_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

describe('rate limits when Redis is down or not configured: requests are not blocked, and it is logged', () => {
  it('down: every send and login goes through, each failure is logged', async () => {
    process.env.UPSTASH_REDIS_REST_URL = `http://127.0.0.1:${await freePort()}`;
    const { send, login, error } = await coldStart();
    for (let n = 0; n < 3; n++) expect((await send()).status).toBe(200);
    for (let n = 0; n < 2; n++) expect((await login()).status).toBe(200);
    const failures = messages(error).filter((message) => message === 'rate limit store unavailable: request let through');
    // One per send, two per login (the per-user and the per-IP limit).
    expect(failures).toHaveLength(3 + 2 * 2);
  });

  it('not configured: every send and login goes through, logged once per cold start', async () => {
    delete process.env.UPSTASH_REDIS_REST_URL;
    delete process.env.UPSTASH_REDIS_REST_TOKEN;
    const { send, login, warn } = await coldStart();
    for (let n = 0; n < 3; n++) expect((await send()).status).toBe(200);
    for (let n = 0; n < 2; n++) expect((await login()).status).toBe(200);
    expect(messages(warn).filter((message) => message === 'UPSTASH_REDIS_REST_URL/TOKEN not set: rate limits are not enforced')).toHaveLength(1);
  });
});
