/**
 * The Upstash REST bridge under bursts, as the rate limiter uses it: `bursts` times, `clients`
 * concurrent @upstash/ratelimit checks, each through its own @upstash/redis client (as that many
 * Lambda instances would), from another process than the bridge (as serverless-offline's workers
 * are). Prints the latency each client saw, how many hit the handlers' 1 s Redis budget, and how
 * long the bridge itself took per request.
 *
 *   npx node --experimental-strip-types --no-warnings bench/upstash-bridge.ts [--clients 100] [--bursts 5] [--out FILE]
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Ratelimit } from '@upstash/ratelimit';
import { Redis } from '@upstash/redis';

/** lib/cache/redis.ts REDIS_TIMEOUT_MS: what a handler waits before letting a request through. */
const BUDGET_MS = 1000;

export interface BurstFigures {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Checks that hit the budget (the handler would have let the request through unlimited). */
  timeouts: number;
  /** Checks the limiter allowed: with one sender and a limit of 30, exactly 30. */
  allowed: number;
}

const quantile = (sorted: number[], q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 10) / 10;

/** The client side: runs in its own process (see main). */
async function clientBursts(url: string, token: string, clients: number, bursts: number): Promise<BurstFigures[]> {
  const out: BurstFigures[] = [];
  for (let burst = 0; burst < bursts; burst++) {
    const limiters = Array.from(
      { length: clients },
      () =>
        new Ratelimit({
          redis: new Redis({ url, token, retry: false, enableTelemetry: false, signal: () => AbortSignal.timeout(BUDGET_MS) }),
          limiter: Ratelimit.slidingWindow(30, '10 s'),
          prefix: `bench:bridge:${process.pid}:${burst}`,
          analytics: false,
          timeout: BUDGET_MS,
        }),
    );
    const latencies: number[] = [];
    let timeouts = 0;
    let allowed = 0;
    await Promise.all(
      limiters.map(async (limiter) => {
        const t0 = performance.now();
        const result = await limiter.limit('one-sender');
        latencies.push(performance.now() - t0);
        if (result.reason === 'timeout') timeouts++;
        else if (result.success) allowed++;
      }),
    );
    latencies.sort((a, b) => a - b);
    out.push({ p50Ms: quantile(latencies, 0.5), p99Ms: quantile(latencies, 0.99), maxMs: quantile(latencies, 1), timeouts, allowed });
  }
  return out;
}

export interface BridgeBenchResult {
  clients: number;
  bursts: BurstFigures[];
  /** Inside the bridge, over all bursts. */
  bridge: { requests: number; commands: number; latencyMs: { p50: number; p99: number; max: number } };
  /** CPU time of the bridge's process (the bridge and its Redis client) per request. */
  bridgeCpuMsPerRequest: number;
  loadAverage: { start: number; end: number };
}

/** Starts redis-server and the bridge in this process, runs the clients in a child process. */
export async function bridgeBench(clients: number, bursts: number): Promise<BridgeBenchResult> {
  const { startUpstashCache } = await import('../local/redis.ts');
  const { freePort } = await import('../local/free-port.ts');
  const loadStart = os.loadavg()[0]!;
  const cache = await startUpstashCache({ redisPort: await freePort() }, (line) => console.error(line));
  if (!cache.bridge) throw new Error('redis-server is not installed: nothing to measure');
  const cpu = process.cpuUsage();
  try {
    const child = spawn(process.execPath, ['--experimental-strip-types', '--no-warnings', fileURLToPath(import.meta.url), '--as-clients', String(clients), String(bursts)], {
      env: { ...process.env, ...cache.env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`the client process exited with ${code}`);
    const used = process.cpuUsage(cpu);
    const bridge = await cache.bridge.stats();
    const bridgeCpuMsPerRequest = Math.round(((used.user + used.system) / 1000 / bridge.requests) * 100) / 100;
    return { clients, bursts: JSON.parse(stdout) as BurstFigures[], bridge, bridgeCpuMsPerRequest, loadAverage: { start: loadStart, end: os.loadavg()[0]! } };
  } finally {
    await cache.stop();
  }
}

export function formatBridgeBench(r: BridgeBenchResult): string {
  const rows = r.bursts.map((b, i) => `  burst ${i + 1}: p50 ${b.p50Ms} ms, p99 ${b.p99Ms} ms, max ${b.maxMs} ms, ${b.timeouts} over ${BUDGET_MS} ms, ${b.allowed} allowed of ${r.clients}`);
  return [
    `Upstash bridge: ${r.bursts.length} bursts of ${r.clients} concurrent rate-limit checks, each from its own client (load average ${r.loadAverage.start.toFixed(1)} → ${r.loadAverage.end.toFixed(1)}, ${os.cpus().length} CPUs)`,
    ...rows,
    `  inside the bridge: ${r.bridge.requests} requests, ${r.bridge.commands} Redis commands, p50 ${r.bridge.latencyMs.p50} ms, p99 ${r.bridge.latencyMs.p99} ms, max ${r.bridge.latencyMs.max} ms; ${r.bridgeCpuMsPerRequest} ms CPU per request`,
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === '--as-clients') {
    const [clients, bursts] = process.argv.slice(3).map(Number);
    const figures = await clientBursts(process.env.UPSTASH_REDIS_REST_URL!, process.env.UPSTASH_REDIS_REST_TOKEN!, clients!, bursts!);
    process.stdout.write(JSON.stringify(figures));
  } else {
    const { values } = parseArgs({ options: { clients: { type: 'string', default: '100' }, bursts: { type: 'string', default: '5' }, out: { type: 'string' } } });
    const result = await bridgeBench(Number(values.clients), Number(values.bursts));
    console.log(formatBridgeBench(result));
    if (values.out) writeFileSync(values.out, JSON.stringify(result, null, 2));
  }
}
