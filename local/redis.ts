/**
 * The cache and rate-limit store: redis-server on 127.0.0.1 behind the Upstash REST bridge
 * (local/upstash-bridge.ts), which is what lib/cache/redis.ts (and @upstash/redis, in the bridge's tests) talks to. Without redis-server the
 * stack still runs, uncached and unlimited, and says so.
 */
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { which } from './free-port.ts';
import { describeExit, startChild, type ChildService } from './processes.ts';
import type { UpstashBridge } from './upstash-bridge.ts';
import { startUpstashBridgeThread } from './upstash-bridge-thread.ts';

const READY_TIMEOUT_MS = 10_000;

/** true if redis at 127.0.0.1:port answers PING with +PONG. */
export function redisPing(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    let buf = '';
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.on('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('\r\n')) done(buf.startsWith('+PONG'));
    });
    sock.on('error', () => done(false));
  });
}

export function redisMissingBanner(): string {
  const bar = '!'.repeat(78);
  return [
    bar,
    '!!  redis-server was not found on PATH: CACHING AND RATE LIMITS ARE OFF.',
    '!!  The API works (every read goes to DynamoDB), but the user-list cache is not used and',
    '!!  sends and logins are not rate limited; cache and rate-limit tests are skipped or fail.',
    '!!  Install it:   sudo apt-get install -y redis-server     (Debian/Ubuntu)',
    '!!                brew install redis                        (macOS)',
    '!!  (it does not need to run as a service: the local stack starts its own instance)',
    bar,
  ].join('\n');
}

export async function startRedisServer(port: number, signal?: AbortSignal): Promise<ChildService> {
  const child = startChild('redis-server', 'redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'], {
    keepLines: 50,
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await redisPing(port))) {
    if (signal?.aborted) {
      await child.stop();
      signal.throwIfAborted();
    }
    if (child.hasExited()) throw new Error(`redis-server exited (${describeExit(await child.exited)}):\n${child.recentOutput()}`);
    if (Date.now() > deadline) {
      await child.stop();
      throw new Error(`redis-server did not answer PING on port ${port}:\n${child.recentOutput()}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return child;
}

export interface UpstashCache {
  /** UPSTASH_REDIS_REST_URL and _TOKEN for the handlers (both empty without redis-server). */
  env: { UPSTASH_REDIS_REST_URL: string; UPSTASH_REDIS_REST_TOKEN: string };
  redisPort?: number;
  bridge?: UpstashBridge;
  /** Set when redis-server is missing: the banner (also logged at once). */
  warning?: string;
  stop(): Promise<void>;
}

export interface UpstashCachePlan {
  redisPort: number;
  /** Where the bridge will listen (0: any free port). */
  bridgePort?: number;
  /** The bridge's token (default: a random one). */
  token?: string;
}

/** What the handlers' environment will be, before anything started: empty without redis-server. */
export function upstashCacheEnv(plan: Required<UpstashCachePlan>): UpstashCache['env'] {
  return which('redis-server')
    ? { UPSTASH_REDIS_REST_URL: `http://127.0.0.1:${plan.bridgePort}`, UPSTASH_REDIS_REST_TOKEN: plan.token }
    : { UPSTASH_REDIS_REST_URL: '', UPSTASH_REDIS_REST_TOKEN: '' };
}

/** redis-server + the bridge, or (no redis-server) an empty configuration and a loud banner. */
export async function startUpstashCache(plan: UpstashCachePlan, log: (line: string) => void, signal?: AbortSignal): Promise<UpstashCache> {
  if (!which('redis-server')) {
    const warning = redisMissingBanner();
    log(warning);
    return { env: { UPSTASH_REDIS_REST_URL: '', UPSTASH_REDIS_REST_TOKEN: '' }, warning, stop: async () => {} };
  }
  const port = plan.redisPort;
  const redis = await startRedisServer(port, signal);
  let bridge: UpstashBridge;
  let stopping = false;
  const token = plan.token ?? randomBytes(24).toString('base64url');
  try {
    bridge = await startUpstashBridgeThread({
      redisUrl: `redis://127.0.0.1:${port}`,
      port: plan.bridgePort,
      token,
      log: (line) => {
        if (!stopping) log(line);
      },
    });
  } catch (error) {
    await redis.stop();
    throw error;
  }
  return {
    env: { UPSTASH_REDIS_REST_URL: bridge.url, UPSTASH_REDIS_REST_TOKEN: token },
    redisPort: port,
    bridge,
    async stop() {
      stopping = true;
      await bridge.stop();
      await redis.stop();
    },
  };
}
