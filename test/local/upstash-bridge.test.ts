import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { Redis } from '@upstash/redis';
import { Ratelimit } from '@upstash/ratelimit';
import { createClient } from 'redis';
import { startUpstashBridge, type UpstashBridge } from '../../local/upstash-bridge.ts';
import { startUpstashBridgeThread } from '../../local/upstash-bridge-thread.ts';
import { freePort, which } from '../../local/free-port.ts';

const hasRedis = Boolean(which('redis-server'));
const TOKEN = 'test-token-123';

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    let buf = '';
    sock.setTimeout(500, () => {
      sock.destroy();
      resolve(false);
    });
    sock.on('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('\r\n')) {
        sock.end();
        resolve(buf.startsWith('+PONG'));
      }
    });
    sock.on('error', () => resolve(false));
  });
}

async function startRedis(): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const deadline = Date.now() + 10_000;
  while (!(await ping(port))) {
    if (Date.now() > deadline) throw new Error('redis-server did not answer PING');
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, port };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

describe.skipIf(!hasRedis)('upstash bridge (real redis-server + @upstash/redis)', () => {
  let redisProc: ChildProcess;
  let redisPort: number;
  let bridge: UpstashBridge;
  let redis: Redis;

  beforeAll(async () => {
    const r = await startRedis();
    redisProc = r.child;
    redisPort = r.port;
    bridge = await startUpstashBridge({ redisUrl: `redis://127.0.0.1:${r.port}`, token: TOKEN });
    redis = new Redis({ url: bridge.url, token: TOKEN, retry: false });
  });

  afterAll(async () => {
    await bridge?.stop();
    if (redisProc) await stopChild(redisProc);
  });

  it('set/get with EX and ttl', async () => {
    expect(await redis.set('s1', 'hello', { ex: 60 })).toBe('OK');
    expect(await redis.get('s1')).toBe('hello');
    const ttl = await redis.ttl('s1');
    expect(ttl).toBeGreaterThan(55);
    expect(ttl).toBeLessThanOrEqual(60);
    expect(await redis.get('missing-key')).toBeNull();
  });

  it('strings that look like other things survive (OK, unicode, numbers-as-strings)', async () => {
    await redis.set('s-ok', 'OK');
    expect(await redis.get('s-ok')).toBe('OK');
    await redis.set('s-uni', 'héllo wörld ✓ 日本');
    expect(await redis.get('s-uni')).toBe('héllo wörld ✓ 日本');
    expect(await redis.type('s-uni')).toBe('string');
    expect(await redis.ping()).toBe('PONG');
  });

  it('incr, incrby and del', async () => {
    expect(await redis.incr('c1')).toBe(1);
    expect(await redis.incr('c1')).toBe(2);
    expect(await redis.incrby('c1', 10)).toBe(12);
    expect(await redis.del('c1', 'never-existed')).toBe(1);
    expect(await redis.get('c1')).toBeNull();
  });

  it('JSON values round-trip (the client serializes objects)', async () => {
    const value = { id: 'u1', name: 'Ann', tags: ['a', 'b'], n: 3, nested: { ok: true } };
    await redis.set('j1', value, { ex: 30 });
    expect(await redis.get('j1')).toEqual(value);
  });

  it('auto-pipelining: concurrent calls go through /pipeline in order', async () => {
    const auto = new Redis({ url: bridge.url, token: TOKEN, enableAutoPipelining: true, retry: false });
    const [a, b, c, d] = await Promise.all([
      auto.set('p1', 'one'),
      auto.set('p2', 2),
      auto.get<string>('p1'),
      auto.incr('p3'),
    ]);
    expect([a, b, c, d]).toEqual(['OK', 'OK', 'one', 1]);
    expect(await auto.get('p2')).toBe(2); // the client parses JSON-ish strings
  });

  it('explicit pipeline keeps per-command errors', async () => {
    await redis.set('str', 'x');
    const results = await redis.pipeline().set('pp', 'v').incr('str').get('pp').exec({ keepErrors: true });
    expect(results[0]).toEqual({ result: 'OK', error: undefined });
    expect(results[1]?.error).toMatch(/not an integer/);
    expect(results[2]).toEqual({ result: 'v', error: undefined });
  });

  it('mget', async () => {
    await redis.set('m1', 'a');
    await redis.set('m2', { x: 1 });
    expect(await redis.mget('m1', 'm-missing', 'm2')).toEqual(['a', null, { x: 1 }]);
  });

  it('hset / hgetall / hget', async () => {
    expect(await redis.hset('h1', { name: 'Ann', age: 30, obj: { a: 1 } })).toBe(3);
    expect(await redis.hgetall('h1')).toEqual({ name: 'Ann', age: 30, obj: { a: 1 } });
    expect(await redis.hget('h1', 'name')).toBe('Ann');
    expect(await redis.hgetall('h-missing')).toBeNull();
  });

  it('multi transaction is atomic and returns results in order', async () => {
    const tx = redis.multi();
    tx.set('t1', 'a');
    tx.incr('t2');
    tx.incr('t2');
    tx.get('t1');
    tx.expire('t1', 100);
    expect(await tx.exec()).toEqual(['OK', 1, 2, 'a', 1]);
  });

  it('multi with a queue-time error aborts the whole transaction', async () => {
    const res = await fetch(`${bridge.url}/multi-exec`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify([
        ['SET', 'abort-me', 'x'],
        ['NOSUCHCOMMAND'],
      ]),
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/EXECABORT/);
    expect(await redis.get('abort-me')).toBeNull();
  });

  it('sorted sets and lists (arrays, numbers as strings)', async () => {
    await redis.zadd('z1', { score: 1, member: 'a' }, { score: 2, member: 'b' });
    expect(await redis.zrange('z1', 0, -1, { withScores: true })).toEqual(['a', 1, 'b', 2]);
    await redis.rpush('l1', 'x', 'y');
    expect(await redis.lrange('l1', 0, -1)).toEqual(['x', 'y']);
  });

  it('raw protocol: base64 encoding only with the header; numbers stay numbers', async () => {
    const post = (body: unknown, headers: Record<string, string> = {}) =>
      fetch(bridge.url, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    await post(['SET', 'raw1', 'hi', 'EX', 60]);
    expect(await (await post(['GET', 'raw1'])).json()).toEqual({ result: 'hi' });
    expect(await (await post(['GET', 'raw1'], { 'Upstash-Encoding': 'base64' })).json()).toEqual({
      result: Buffer.from('hi').toString('base64'),
    });
    expect(await (await post(['STRLEN', 'raw1'], { 'Upstash-Encoding': 'base64' })).json()).toEqual({ result: 2 });
    const bad = await post(['INCR']);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/wrong number of arguments/);
  });

  it('a burst of 100 rate-limit checks, each from its own client: every one answered, exactly the limit allowed, over one Redis connection', async () => {
    // As 100 Lambda instances would (no retries). How fast is bench/upstash-bridge.ts's question;
    // here the budget only bounds the test, so a loaded machine does not turn latency into a count.
    const threaded = await startUpstashBridgeThread({ redisUrl: `redis://127.0.0.1:${redisPort}`, token: TOKEN });
    const admin = createClient({ url: `redis://127.0.0.1:${redisPort}`, RESP: 2 });
    await admin.connect();
    try {
      const limiters = Array.from(
        { length: 100 },
        () =>
          new Ratelimit({
            redis: new Redis({ url: threaded.url, token: TOKEN, retry: false, enableTelemetry: false, signal: () => AbortSignal.timeout(20_000) }),
            limiter: Ratelimit.slidingWindow(30, '60 s'),
            prefix: `burst-${process.pid}`,
            analytics: false,
            timeout: 20_000,
          }),
      );
      const connectionsReceived = async () => Number(/total_connections_received:(\d+)/.exec(String(await admin.sendCommand(['INFO', 'stats'])))![1]);
      const before = await connectionsReceived();
      const results = await Promise.all(limiters.map((limiter) => limiter.limit('one-sender')));
      expect(results.filter((r) => r.reason === 'timeout')).toHaveLength(0);
      expect(results.filter((r) => r.success)).toHaveLength(30);
      const stats = await threaded.stats();
      // One EVALSHA each, plus one EVAL per client that asked before the bridge had seen the script.
      expect(stats.requests).toBeGreaterThanOrEqual(100);
      expect(stats.requests).toBeLessThanOrEqual(200);
      // The burst went over the bridge's one Redis connection: Redis saw no new one.
      expect(await connectionsReceived()).toBe(before);
    } finally {
      await admin.quit();
      await threaded.stop();
    }
  });

  it('wrong token → 401 and the client throws', async () => {
    const res = await fetch(bridge.url, {
      method: 'POST',
      headers: { authorization: 'Bearer nope', 'content-type': 'application/json' },
      body: JSON.stringify(['PING']),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toHaveProperty('error');
    const wrong = new Redis({ url: bridge.url, token: 'wrong', retry: false });
    await expect(wrong.get('s1')).rejects.toThrow(/Unauthorized/);
  });

  it('answers 5xx quickly while Redis is down and recovers when it is back', async () => {
    const second = await startRedis();
    const b = await startUpstashBridge({ redisUrl: `redis://127.0.0.1:${second.port}`, token: TOKEN });
    const client = new Redis({ url: b.url, token: TOKEN, retry: false });
    let again: ChildProcess | undefined;
    try {
      await client.set('k', 'v');
      await stopChild(second.child);
      const t0 = Date.now();
      await expect(client.get('k')).rejects.toThrow();
      expect(Date.now() - t0).toBeLessThan(1000);
      const restarted = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(second.port), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
      again = restarted;
      const deadline = Date.now() + 10_000;
      for (;;) {
        try {
          await client.set('k2', 'back');
          break;
        } catch (err) {
          if (Date.now() > deadline) throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      expect(await client.get('k2')).toBe('back');
    } finally {
      await b.stop();
      if (again) await stopChild(again);
      await stopChild(second.child);
    }
  });

  it('answers 5xx quickly when Redis is unreachable', async () => {
    const deadPort = await freePort();
    const dead = await startUpstashBridge({ redisUrl: `redis://127.0.0.1:${deadPort}`, token: TOKEN });
    try {
      const client = new Redis({ url: dead.url, token: TOKEN, retry: false });
      const t0 = Date.now();
      await expect(client.get('x')).rejects.toThrow();
      const res = await fetch(`${dead.url}/pipeline`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify([['GET', 'x']]),
      });
      expect(res.status).toBeGreaterThanOrEqual(500);
      expect(Date.now() - t0).toBeLessThan(1000);
    } finally {
      await dead.stop();
    }
  });
});
