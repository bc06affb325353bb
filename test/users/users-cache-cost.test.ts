import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { Redis } from '@upstash/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invoke } from '../support/lambda.ts';

/**
 * What the cached GET /users/ costs, counted: Redis round trips (through a counting proxy in front
 * of the local Upstash REST bridge) and DynamoDB requests. And how long a fill is kept: a fill right
 * after an invalidation may have read GSI1 before the write reached it, so it must not live 15 min.
 * This file has its own module registry: a private stage (own cache keys) and the proxy as Upstash.
 */
const upstream = new URL(process.env.UPSTASH_REDIS_REST_URL!);
const calls: string[] = [];
const proxy: Server = createServer((incoming, outgoing) => {
  calls.push(incoming.url ?? '');
  const forwarded = httpRequest(
    { host: upstream.hostname, port: upstream.port, path: incoming.url, method: incoming.method, headers: incoming.headers },
    (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    },
  );
  incoming.pipe(forwarded);
});

let handlers: { list: typeof import('../../functions/users-list.ts').handler; patch: typeof import('../../functions/user-patch.ts').handler };
let usage: typeof import('../../lib/repository/client.ts');
let cache: typeof import('../../lib/cache/users-cache.ts');
let stage: string;
const redis = new Redis({ url: upstream.href, token: process.env.UPSTASH_REDIS_REST_TOKEN!, enableTelemetry: false });

beforeAll(async () => {
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  process.env.UPSTASH_REDIS_REST_URL = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
  stage = `cache-cost-${randomUUID().slice(0, 8)}`;
  process.env.STAGE = stage;
  handlers = { list: (await import('../../functions/users-list.ts')).handler, patch: (await import('../../functions/user-patch.ts')).handler };
  usage = await import('../../lib/repository/client.ts');
  cache = await import('../../lib/cache/users-cache.ts');
});

afterAll(() => new Promise((resolve) => proxy.close(resolve)));

const list = (headers: Record<string, string> = {}) => invoke(handlers.list, { path: '/users/', headers });
const listTtl = () => redis.ttl(`chat:${stage}:users:list`);

describe('GET /users/ served from the cache', () => {
  it('a hit is ONE Redis round trip and no DynamoDB request; so is a 304', async () => {
    expect((await list()).headers['X-Cache']).toBe('miss');
    calls.length = 0;
    usage.resetDynamoUsage();

    const hit = await list();
    expect(hit.headers['X-Cache']).toBe('hit');
    expect(calls).toEqual(['/pipeline']);
    expect(usage.dynamoUsage().requests).toBe(0);

    calls.length = 0;
    const notModified = await list({ 'if-none-match': hit.headers.ETag! });
    expect(notModified.status).toBe(304);
    expect(calls).toEqual(['/pipeline']);
    expect(usage.dynamoUsage().requests).toBe(0);
  });

  it('a miss is one round trip to read, one (paged) Query, one round trip to fill', async () => {
    await cache.invalidateUserList();
    calls.length = 0;
    usage.resetDynamoUsage();
    expect((await list()).headers['X-Cache']).toBe('miss');
    expect(calls).toHaveLength(2);
    // One Query of the listing partition, page after page (1 MB each): how many depends on how many users the shared stack holds.
    expect(Object.keys(usage.dynamoUsage().byCommand)).toEqual(['QueryCommand']);
  });
});

describe('what the cache gives back', () => {
  it('is the list exactly as stored, whatever the text (no base64 on the wire: the values are UTF-8 JSON)', async () => {
    const { createUser } = await import('../../lib/users/service.ts');
    const user = await createUser({ username: `u${randomUUID().slice(0, 8)}`, password: 'Passw0rd!', first_name: '😀 Ünïcödé \u2028 "quoted" \\', profile: { status: 'Busy', status_msg: '\ud800 lone' } });
    const miss = await list();
    expect(miss.headers['X-Cache']).toBe('miss');
    const hit = await list();
    expect(hit.headers['X-Cache']).toBe('hit');
    expect(hit.body).toEqual(miss.body);
    expect(hit.headers.ETag).toBe(miss.headers.ETag);
    expect(hit.body.find((u: { id: number }) => u.id === user.id)).toMatchObject({ first_name: user.first_name, profile: { status_msg: user.profile.status_msg } });
  });
});

describe('the stored entry', () => {
  // Read raw (no deserialization): the text in Redis, as our client gets it back.
  const raw = new Redis({ url: upstream.href, token: process.env.UPSTASH_REDIS_REST_TOKEN!, enableTelemetry: false, automaticDeserialization: false });

  it('holds the body as it is served, after its version and ETag: not re-encoded as JSON', async () => {
    await cache.invalidateUserList();
    const miss = await list();
    expect(miss.headers['X-Cache']).toBe('miss');
    const stored = await raw.get<string>(`chat:${stage}:users:list`);
    const version = Number(await raw.get<string>(`chat:${stage}:users:version`));
    expect(stored).toBe(`${version}\n${miss.headers.ETag}\n${JSON.stringify(miss.body)}`);
    expect(cache.decodeEntry(stored)).toEqual({ version, etag: miss.headers.ETag, body: JSON.stringify(miss.body) });
  });

  it('an entry of another format (the JSON object of before) is a miss, and the fill replaces it', async () => {
    const version = Number(await raw.get<string>(`chat:${stage}:users:version`));
    await raw.set(`chat:${stage}:users:list`, JSON.stringify({ body: '["old"]', etag: '"old"', version }));
    const miss = await list();
    expect(miss.headers['X-Cache']).toBe('miss');
    expect(miss.body).not.toEqual(['old']);
    expect((await list()).headers['X-Cache']).toBe('hit');
  });

  it('decodes only what encodeEntry wrote', () => {
    const list = { body: '[{"id":1,"first_name":"a\\nb"}]', etag: '"e"' };
    expect(cache.decodeEntry(cache.encodeEntry(7, list))).toEqual({ version: 7, ...list });
    expect(cache.decodeEntry(cache.encodeEntry(7, { body: '', etag: '"e"' }))).toEqual({ version: 7, body: '', etag: '"e"' });
    for (const other of [null, undefined, 7, '', '7', '7\n"e"', 'x\n"e"\n[]', '{"version":7}']) expect(cache.decodeEntry(other)).toBeUndefined();
  });
});

describe('how long a fill is kept', () => {
  it(`a fill right after an invalidation lives ${5} s at most, not the full 15 minutes`, async () => {
    await cache.invalidateUserList();
    expect((await list()).headers['X-Cache']).toBe('miss');
    const ttl = await listTtl();
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(cache.FRESH_FILL_TTL_SECONDS);
    // …and while it lives it is a hit like any other.
    expect((await list()).headers['X-Cache']).toBe('hit');
  });

  it('a fill long after the last invalidation is kept the full TTL', async () => {
    await cache.invalidateUserList();
    // As if the last write were a minute old.
    await redis.set(`chat:${stage}:users:bumped`, Date.now() - 60_000);
    await redis.del(`chat:${stage}:users:list`);
    expect((await list()).headers['X-Cache']).toBe('miss');
    const ttl = await listTtl();
    expect(ttl).toBeGreaterThan(cache.USER_LIST_TTL_SECONDS - 60);
    expect(ttl).toBeLessThanOrEqual(cache.USER_LIST_TTL_SECONDS);
  });

  it('a reader that loaded the store before a write cannot fill the list that readers take after it', async () => {
    await cache.invalidateUserList();
    let release!: () => void;
    let loading!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const started = new Promise<void>((resolve) => (loading = resolve));
    const stale = cache.cachedUserList(async () => {
      loading();
      await held; // the store was read here, before the write below
      return { body: '["stale"]', etag: '"stale"' };
    });
    await started;
    await cache.invalidateUserList(); // the write's bump
    release();
    expect((await stale).body).toBe('["stale"]');
    const after = await list();
    expect(after.headers['X-Cache']).toBe('miss');
    expect(after.body).not.toEqual(['stale']);
  });

  it('the policy: a fill whose store read began less than 10 s after the bump is short-lived', () => {
    const bump = 1_000_000;
    expect(cache.fillTtlSeconds(bump + 50, bump)).toBe(cache.FRESH_FILL_TTL_SECONDS);
    expect(cache.fillTtlSeconds(bump + cache.CONSISTENCY_WINDOW_MS - 1, bump)).toBe(cache.FRESH_FILL_TTL_SECONDS);
    // A bump stamped by a clock a little ahead of the reader's.
    expect(cache.fillTtlSeconds(bump - 200, bump)).toBe(cache.FRESH_FILL_TTL_SECONDS);
    expect(cache.fillTtlSeconds(bump + cache.CONSISTENCY_WINDOW_MS, bump)).toBe(cache.USER_LIST_TTL_SECONDS);
    expect(cache.fillTtlSeconds(bump, undefined)).toBe(cache.USER_LIST_TTL_SECONDS);
  });
});
