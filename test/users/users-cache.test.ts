import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { invoke, uniqueName } from '../support/lambda.ts';

// Other test files write users concurrently, and every write invalidates the list. This file has
// its own module registry: a private stage gives it a private cache namespace, so only its own
// writes invalidate what it observes.
process.env.STAGE = `cache-test-${randomUUID().slice(0, 8)}`;
const { handler: createHandler } = await import('../../functions/users-create.ts');
const { handler: patchHandler } = await import('../../functions/user-patch.ts');
const { handler: listHandler } = await import('../../functions/users-list.ts');
const { dynamoUsage, resetDynamoUsage } = await import('../../lib/repository/client.ts');
const { keyPrefix } = await import('../../lib/cache/redis.ts');

const list = () => invoke(listHandler, { path: '/users/' });

describe('GET /users/ through the Redis cache (real Redis behind the Upstash REST bridge)', () => {
  it('caches in a namespace of its own (the private stage reached lib before lib read it)', () => {
    expect(keyPrefix).toBe(`chat:${process.env.STAGE}`);
  });

  it('misses, then hits without touching DynamoDB, then is invalidated by any user write', async () => {
    const first = await list();
    expect(first.headers['X-Cache']).toBe('miss');
    resetDynamoUsage();
    const hit = await list();
    expect(hit.headers['X-Cache']).toBe('hit');
    expect(dynamoUsage().requests).toBe(0);

    const username = uniqueName('cached');
    const created = await invoke(createHandler, {
      method: 'POST',
      path: '/users/',
      body: { username, password: 'Password!', profile: { status: 'Online' } },
    });
    expect(created.status).toBe(201);

    resetDynamoUsage();
    const miss = await list();
    expect(miss.headers['X-Cache']).toBe('miss');
    expect(dynamoUsage().byCommand.QueryCommand).toBeGreaterThanOrEqual(1);
    expect(dynamoUsage().byCommand.ScanCommand).toBeUndefined();
    expect(miss.body.map((u: { username: string }) => u.username)).toContain(username);

    const again = await list();
    expect(again.headers['X-Cache']).toBe('hit');
    expect(again.body).toEqual(miss.body);

    await invoke(patchHandler, {
      method: 'PATCH',
      path: `/users/${created.body.id}/`,
      pathParameters: { id: String(created.body.id) },
      body: { profile: { status: 'Offline' } },
    });
    const afterPatch = await list();
    expect(afterPatch.headers['X-Cache']).toBe('miss');
    expect(afterPatch.body.find((u: { id: number }) => u.id === created.body.id).profile.status).toBe('Offline');
  });

  it('applies filters to the cached list', async () => {
    await list();
    const filtered = await invoke(listHandler, { path: '/users/', query: { username: 'user_3' } });
    expect(filtered.headers['X-Cache']).toBe('hit');
    expect(filtered.body.map((u: { username: string }) => u.username)).toEqual(['user_3']);
  });
});
