import { createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invoke } from '../support/lambda.ts';

/** Accepts connections and never answers: a Redis endpoint that hangs rather than refuses. */
const sockets = new Set<Socket>();
const blackHole = createServer((socket) => sockets.add(socket));

describe('GET /users/ with a Redis endpoint that hangs', () => {
  let listHandler: typeof import('../../functions/users-list.ts').handler;

  beforeAll(async () => {
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    const { port } = blackHole.address() as { port: number };
    // This file has its own module registry: point the cache at the black hole.
    process.env.UPSTASH_REDIS_REST_URL = `http://127.0.0.1:${port}`;
    ({ handler: listHandler } = await import('../../functions/users-list.ts'));
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => blackHole.close(resolve));
  });

  it('gives up on the cache and answers from DynamoDB', async () => {
    const answer = await invoke(listHandler, { path: '/users/', query: { username: 'user_2' } });
    expect(answer.status).toBe(200);
    expect(answer.headers['X-Cache']).toBe('bypass');
    expect(answer.body.map((u: { username: string }) => u.username)).toEqual(['user_2']);
    expect(sockets.size).toBeGreaterThan(0);
  });
});
