/**
 * usersList: GET /users/ over HTTP with many users, served from the Redis cache (hit) and from
 * DynamoDB (miss), next to the floor: GET /health, a route that touches nothing, so the difference
 * is what the cached path costs beyond serverless-offline and our HTTP plumbing. A miss is forced
 * by lib/cache/users-cache.ts invalidateUserList() — the same O(1) version bump every user write
 * does — right before the request; the request after it is a hit again. The three alternate, so
 * all see the same machine.
 */
import { invalidateUserList } from '../lib/cache/users-cache.ts';
import { BenchHttp, expectStatus } from './http.ts';
import { lambdaContext, type LambdaHandler } from './lambda-events.ts';
import { functionByRoute, loadHandler } from './routes.ts';
import { httpEvent } from '../local/lambda-events.ts';
import { createUsers } from './seed.ts';
import { latency, round } from './stats.ts';

export interface UsersListConfig {
  /** Users to create first (the list holds every user of the store). */
  users: number;
  samples: number;
  warmup: number;
}

export interface UsersListResult {
  /** GET /health: serverless-offline and the HTTP middleware, no data store. */
  floorP50Ms: number;
  floorP95Ms: number;
  cachedP50Ms: number;
  cachedP95Ms: number;
  /**
   * The same two requests' handlers invoked inside the bench process (no serverless-offline, no
   * HTTP): what the cached path costs in our code — one Redis round trip — next to the middleware alone.
   */
  handlerFloorP50Ms: number;
  handlerCachedP50Ms: number;
  uncachedP50Ms: number;
  uncachedP95Ms: number;
  /** Users in the answer (bench users plus whatever the store already held). */
  listed: number;
  /** Bytes of the answer body. */
  bodyBytes: number;
  uncachedBy: string;
  /** X-Cache values seen per kind of request (`cached:hit`, `uncached:miss`; `bypass` without Redis). */
  cacheHeaders: Record<string, number>;
  seedSeconds: number;
}

export async function usersList(http: BenchHttp, config: UsersListConfig): Promise<UsersListResult> {
  const seedStart = performance.now();
  await createUsers(config.users, 'listed');
  const seedSeconds = round((performance.now() - seedStart) / 1000, 1);

  const floor: number[] = [];
  const cached: number[] = [];
  const uncached: number[] = [];
  const headers: Record<string, number> = {};
  let listed = 0;
  let bodyBytes = 0;
  const get = async (label: string, timed: number[] | undefined) => {
    const answer = expectStatus(await http.get('/users/'), 200, 'GET /users/');
    const outcome = answer.headers.get('x-cache') ?? 'none';
    if (timed) {
      headers[`${label}:${outcome}`] = (headers[`${label}:${outcome}`] ?? 0) + 1;
      timed.push(answer.ms);
    }
    listed = Array.isArray(answer.body) ? answer.body.length : 0;
    bodyBytes = JSON.stringify(answer.body).length;
  };
  for (let i = 0; i < config.warmup + config.samples; i++) {
    const timed = i >= config.warmup;
    await invalidateUserList();
    await get('uncached', timed ? uncached : undefined);
    await get('cached', timed ? cached : undefined);
    const health = expectStatus(await http.get('/health'), 200, 'GET /health');
    if (timed) floor.push(health.ms);
  }
  const [listHandler, healthHandler] = await Promise.all(['GET /users', 'GET /health'].map((route) => loadHandler(functionByRoute(route)!)));
  const handlerFloor: number[] = [];
  const handlerCached: number[] = [];
  const time = async (handler: LambdaHandler, path: string, into: number[] | undefined) => {
    const started = performance.now();
    const result = (await handler(httpEvent({ path }), lambdaContext('bench'))) as { statusCode: number; headers?: Record<string, string> };
    if (into) into.push(performance.now() - started);
    if (result.statusCode !== 200) throw new Error(`${path} in process: HTTP ${result.statusCode}`);
    return result;
  };
  for (let i = 0; i < config.warmup + config.samples; i++) {
    const timed = i >= config.warmup;
    const listed = await time(listHandler!, '/users/', timed ? handlerCached : undefined);
    if (timed && listed.headers?.['X-Cache'] !== 'hit') throw new Error(`in-process GET /users/ was not a cache hit (${listed.headers?.['X-Cache']})`);
    await time(healthHandler!, '/health/', timed ? handlerFloor : undefined);
  }
  const hit = latency(cached);
  const miss = latency(uncached);
  const empty = latency(floor);
  return {
    floorP50Ms: empty.p50Ms,
    floorP95Ms: empty.p95Ms,
    handlerFloorP50Ms: latency(handlerFloor).p50Ms,
    handlerCachedP50Ms: latency(handlerCached).p50Ms,
    cachedP50Ms: hit.p50Ms,
    cachedP95Ms: hit.p95Ms,
    uncachedP50Ms: miss.p50Ms,
    uncachedP95Ms: miss.p95Ms,
    listed,
    bodyBytes,
    uncachedBy: 'invalidateUserList() (the version bump of every user write) before each uncached request',
    cacheHeaders: headers,
    seedSeconds,
  };
}
