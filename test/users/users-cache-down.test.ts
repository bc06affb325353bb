import { beforeAll, describe, expect, it } from 'vitest';
import { invoke } from '../support/lambda.ts';
import { freePort } from '../../local/free-port.ts';

describe('GET /users/ with Redis down', () => {
  let listHandler: typeof import('../../functions/users-list.ts').handler;

  beforeAll(async () => {
    // This file has its own module registry: point the cache at an address where nothing listens.
    process.env.UPSTASH_REDIS_REST_URL = `http://127.0.0.1:${await freePort()}`;
    ({ handler: listHandler } = await import('../../functions/users-list.ts'));
  });

  it('still answers the list from DynamoDB', async () => {
    const answer = await invoke(listHandler, { path: '/users/', query: { username: 'user_1' } });
    expect(answer.status).toBe(200);
    expect(answer.headers['X-Cache']).toBe('bypass');
    expect(answer.body.map((u: { username: string }) => u.username)).toEqual(['user_1']);
  });
});
