import { describe, expect, it } from 'vitest';
import { handler as createHandler } from '../../functions/users-create.ts';
import { handler as patchHandler } from '../../functions/user-patch.ts';
import { handler as listHandler } from '../../functions/users-list.ts';
import { dynamoUsage, resetDynamoUsage } from '../../lib/repository/client.ts';
import { invoke, uniqueName } from '../support/lambda.ts';

const list = () => invoke(listHandler, { path: '/users/' });

describe('GET /users/ through the Redis cache (real Redis behind the Upstash REST bridge)', () => {
  it('misses, then hits without touching DynamoDB, then is invalidated by any user write', async () => {
    await list(); // whatever state earlier tests left: fill the cache
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
