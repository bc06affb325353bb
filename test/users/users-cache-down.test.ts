import { createServer } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { invoke } from '../support/lambda.ts';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('GET /users/ with Redis down', () => {
  let listHandler: typeof import('../../functions/users-list.ts').handler;

  beforeAll(async () => {
    // This file has its own module registry: point the cache at an address where nothing listens.
    process.env.UPSTASH_REDIS_REST_URL = `http://127.0.0.1:${await closedPort()}`;
    ({ handler: listHandler } = await import('../../functions/users-list.ts'));
  });

  it('still answers the list from DynamoDB', async () => {
    const answer = await invoke(listHandler, { path: '/users/', query: { username: 'user_1' } });
    expect(answer.status).toBe(200);
    expect(answer.headers['X-Cache']).toBe('bypass');
    expect(answer.body.map((u: { username: string }) => u.username)).toEqual(['user_1']);
  });
});
