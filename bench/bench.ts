/**
 * runBench: every workload in turn against a running stack (its coordinates in process.env, set
 * BEFORE this module is imported: lib reads its configuration at import), the JSON result, the
 * targets, and the printed table. bench/run.ts starts the stack and calls it; the smoke test calls
 * it with a tiny configuration against the test run's stack.
 */
import os from 'node:os';
import { bundles, type BundleFigures } from './bundles.ts';
import { costModel, type CostModel } from './cost.ts';
import { ddbCosts, type DdbResult } from './ddb.ts';
import { BenchHttp } from './http.ts';
import { listMessages, type ListMessagesResult } from './list-messages.ts';
import { fanOut100, liveDeliveryCost, sendToSocket, webSocketRouteCosts, type FanOutResult, type WebSocketRouteCosts } from './live-delivery.ts';
import { hotRoom, pipeline, sendToPersisted, type HotRoomResult, type PipelineResult, type SendToPersistedResult } from './send-pipeline.ts';
import { elapsedMs, round, type Latency } from './stats.ts';
import { usersList, type UsersListResult } from './users-list.ts';

export const WORKLOADS = ['listMessages', 'sendToPersisted', 'pipeline', 'hotRoom', 'usersList', 'ddb', 'liveDelivery', 'fanOut', 'bundles'] as const;
export type Workload = (typeof WORKLOADS)[number];

export interface BenchConfig {
  /** The API's base URL (serverless-offline). Default: BENCH_HTTP_URL or CHAT_HTTP_URL. */
  httpUrl: string;
  /** Room sizes (messages) of listMessages. */
  sizes: number[];
  pageSize: number;
  listSamples: number;
  listWarmup: number;
  sendSamples: number;
  sendWarmup: number;
  /** Senders taking turns in sendToPersisted (sends are rate limited per sender). */
  sendSenders: number;
  /** Pause between task_state polls. */
  pollMs: number;
  pipelineMessages: number;
  pipelineRooms: number;
  pipelineSendersPerRoom: number;
  pipelineConcurrency: number;
  pipelineTimeoutMs: number;
  /** hotRoom: messages into one room from this many senders, with this many POSTs in flight. */
  hotRoomMessages: number;
  hotRoomSenders: number;
  hotRoomConcurrency: number;
  /** Users created for usersList. */
  users: number;
  usersSamples: number;
  usersWarmup: number;
  /** Warm handler runs timed for the cost model. */
  durationRuns: number;
  /** Fresh processes per function for the import time (0: sizes only). */
  bundleRuns: number;
  /** Live delivery: the WebSocket API (default BENCH_WS_URL or CHAT_WS_URL); its workloads are skipped without one. */
  websocketUrl?: string;
  liveSamples: number;
  liveWarmup: number;
  fanOutMembers: number;
  fanOutMessages: number;
  lookupRuns: number;
  /** Run only these workloads (default: all). */
  only: Workload[];
  /** Called before the bundles workload, e.g. to stop the stack so imports run on an idle machine. */
  beforeBundles?: () => Promise<void>;
  log: (line: string) => void;
}

export const DEFAULT_CONFIG: Omit<BenchConfig, 'httpUrl'> = {
  sizes: [100, 1000, 10000],
  pageSize: 50,
  listSamples: 60,
  listWarmup: 5,
  sendSamples: 30,
  sendWarmup: 3,
  sendSenders: 10,
  pollMs: 10,
  pipelineMessages: 2000,
  pipelineRooms: 20,
  pipelineSendersPerRoom: 5,
  pipelineConcurrency: 20,
  pipelineTimeoutMs: 300_000,
  hotRoomMessages: 2000,
  hotRoomSenders: 50,
  hotRoomConcurrency: 50,
  users: 1000,
  usersSamples: 30,
  usersWarmup: 3,
  durationRuns: 10,
  bundleRuns: 11,
  liveSamples: 30,
  liveWarmup: 3,
  fanOutMembers: 100,
  fanOutMessages: 20,
  lookupRuns: 10,
  only: [...WORKLOADS],
  log: (line) => console.error(line),
};

export interface Target {
  name: string;
  target: string;
  value: string;
  met: boolean | null;
}

export interface BenchResult {
  meta: {
    date: string;
    machine: { cpus: number; cpuModel: string; memoryGb: number; os: string };
    /** 1-minute load average when the workloads started and ended: other processes make figures noisy. */
    loadAverage: { start: number; end: number };
    node: string;
    httpUrl: string;
    config: Record<string, unknown>;
    secondsByWorkload: Record<string, number>;
    /** Starting the local stack (set by bench/run.ts). */
    stackStartSeconds?: number;
    /** The whole run; bench/run.ts includes starting and stopping the stack. */
    totalSeconds: number;
  };
  listMessages: Record<string, Latency> | null;
  listMessagesFlatRatio: number | null;
  listMessagesSeedSeconds: number | null;
  sendToPersisted: SendToPersistedResult | null;
  pipelineMsgsPerSec: number | null;
  pipeline: PipelineResult | null;
  hotRoom: HotRoomResult | null;
  usersList: UsersListResult | null;
  ddb: DdbResult | null;
  /** POST → the frame on another member's socket. */
  liveDelivery: Latency | null;
  fanOut: FanOutResult | null;
  /** DynamoDB requests of one call of each WebSocket route function (measured with fanOut). */
  webSocketRoutes: WebSocketRouteCosts | null;
  liveCost: ReturnType<typeof liveDeliveryCost> | null;
  bundles: Record<string, BundleFigures> | null;
  bundlesMeta: { packageSeconds: number; node: string } | null;
  cost: CostModel | null;
  targets: Target[];
  errors: { workload: string; message: string }[];
}

export const LIMITS = {
  flatRatio: 1.5,
  /** Issue 14 ("Cold start"): every Lambda bundle ≤ 300 KB, every import ≤ 40 ms on this machine. */
  bundleBytes: 300 * 1024,
  initMs: 40,
  historyQueries: 1,
  /** Issue 14: one message end to end, alone, in a full batch of one room, and over a busy room's whole run. */
  messageWcu: 7,
  fullBatchMessageWcu: 7,
  fullBatchConsumerRequests: 0.5,
};

export async function runBench(overrides: Partial<BenchConfig> = {}): Promise<BenchResult> {
  const httpUrl = overrides.httpUrl ?? process.env.BENCH_HTTP_URL ?? process.env.CHAT_HTTP_URL;
  if (!httpUrl) throw new Error('No API URL: pass httpUrl or set BENCH_HTTP_URL (or CHAT_HTTP_URL)');
  const config: BenchConfig = { ...DEFAULT_CONFIG, ...overrides, httpUrl };
  const { log } = config;
  const http = new BenchHttp(httpUrl);
  const started = performance.now();
  const loadAtStart = round(os.loadavg()[0]!);
  const seconds: Record<string, number> = {};
  const errors: BenchResult['errors'] = [];

  const step = async <T>(name: Workload, work: () => Promise<T>): Promise<T | null> => {
    if (!config.only.includes(name)) return null;
    log(`bench: ${name}…`);
    const t0 = performance.now();
    try {
      return await work();
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      log(`bench: ${name} FAILED: ${message}`);
      errors.push({ workload: name, message: error instanceof Error ? error.message : String(error) });
      return null;
    } finally {
      seconds[name] = round(elapsedMs(t0) / 1000, 1);
      log(`bench: ${name} done in ${seconds[name]} s`);
    }
  };

  const list: ListMessagesResult | null = await step('listMessages', () =>
    listMessages(http, { sizes: config.sizes, pageSize: config.pageSize, samples: config.listSamples, warmup: config.listWarmup }, log),
  );
  const send = await step('sendToPersisted', () => sendToPersisted(http, { samples: config.sendSamples, warmup: config.sendWarmup, senders: config.sendSenders, pollMs: config.pollMs }));
  const pipe = await step('pipeline', () =>
    pipeline(
      http,
      {
        messages: config.pipelineMessages,
        rooms: config.pipelineRooms,
        sendersPerRoom: config.pipelineSendersPerRoom,
        concurrency: config.pipelineConcurrency,
        timeoutMs: config.pipelineTimeoutMs,
      },
      log,
    ),
  );
  const hot = await step('hotRoom', () =>
    hotRoom(http, { messages: config.hotRoomMessages, senders: config.hotRoomSenders, concurrency: config.hotRoomConcurrency, timeoutMs: config.pipelineTimeoutMs }, log),
  );
  const users = await step('usersList', () => usersList(http, { users: config.users, samples: config.usersSamples, warmup: config.usersWarmup }));
  const ddb = await step('ddb', () =>
    ddbCosts(
      {
        durationRuns: config.durationRuns,
        pageSize: config.pageSize,
        busyRoom: { senders: config.hotRoomSenders, messages: config.hotRoomMessages },
        ...(list ? { historyRoom: list.largestRoom } : {}),
      },
      log,
    ),
  );
  const websocketUrl = config.websocketUrl ?? process.env.BENCH_WS_URL ?? process.env.CHAT_WS_URL;
  const needsSocket = () => {
    if (!websocketUrl) throw new Error('No WebSocket URL: pass websocketUrl or set BENCH_WS_URL (or CHAT_WS_URL)');
    return websocketUrl;
  };
  const live = await step('liveDelivery', () =>
    sendToSocket(http, { websocketUrl: needsSocket(), samples: config.liveSamples, warmup: config.liveWarmup, senders: config.sendSenders }),
  );
  const fanOutStep = await step('fanOut', async () => ({
    routes: await webSocketRouteCosts(),
    fan: await fanOut100(
      http,
      { websocketUrl: needsSocket(), members: config.fanOutMembers, messages: config.fanOutMessages, senders: config.sendSenders, lookupRuns: config.lookupRuns },
      log,
    ),
  }));
  const routes = fanOutStep?.routes ?? null;
  const fan = fanOutStep?.fan ?? null;
  let bundleResult: Awaited<ReturnType<typeof bundles>> | null = null;
  if (config.only.includes('bundles')) {
    await config.beforeBundles?.();
    bundleResult = await step('bundles', () => bundles({ importRuns: config.bundleRuns }, log));
  }

  const { log: _log, beforeBundles: _before, ...printable } = config;
  const result: BenchResult = {
    meta: {
      date: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? 'unknown',
        memoryGb: round(os.totalmem() / 2 ** 30, 1),
        os: `${os.type()} ${os.release()} ${os.arch()}`,
      },
      loadAverage: { start: loadAtStart, end: round(os.loadavg()[0]!) },
      node: process.version,
      httpUrl,
      config: printable,
      secondsByWorkload: seconds,
      totalSeconds: round(elapsedMs(started) / 1000, 1),
    },
    listMessages: list?.bySize ?? null,
    listMessagesFlatRatio: list?.flatRatio ?? null,
    listMessagesSeedSeconds: list?.seedSeconds ?? null,
    sendToPersisted: send,
    pipelineMsgsPerSec: pipe?.msgsPerSec ?? null,
    pipeline: pipe,
    hotRoom: hot,
    usersList: users,
    ddb,
    liveDelivery: live,
    fanOut: fan,
    webSocketRoutes: routes,
    liveCost: fan ? liveDeliveryCost(fan) : null,
    bundles: bundleResult?.functions ?? null,
    bundlesMeta: bundleResult ? { packageSeconds: bundleResult.packageSeconds, node: bundleResult.node } : null,
    cost: ddb ? costModel(ddb) : null,
    targets: [],
    errors,
  };
  result.targets = targets(result);
  return result;
}

export function targets(result: BenchResult): Target[] {
  const found: Target[] = [];
  const ratio = result.listMessagesFlatRatio;
  found.push({ name: 'listMessagesFlatRatio', target: `≤ ${LIMITS.flatRatio}`, value: ratio === null ? 'n/a' : String(ratio), met: ratio === null ? null : ratio <= LIMITS.flatRatio });
  if (result.bundles) {
    const entries = Object.entries(result.bundles);
    const biggest = entries.reduce((a, b) => (b[1].bytes > a[1].bytes ? b : a), entries[0]!);
    const over = entries.filter(([, b]) => b.bytes > LIMITS.bundleBytes).map(([name]) => name);
    found.push({
      name: 'bundle size',
      target: `every bundle ≤ ${LIMITS.bundleBytes / 1024} KB (${LIMITS.bundleBytes} bytes)`,
      value: `largest ${biggest[0]} ${kb(biggest[1].bytes)}${over.length ? `; over: ${over.join(', ')}` : ''}`,
      met: over.length === 0,
    });
    const timed = entries.filter(([, b]) => b.initMs !== null);
    if (timed.length) {
      const slowest = timed.reduce((a, b) => (b[1].initMs! > a[1].initMs! ? b : a));
      found.push({ name: 'import time', target: `every import ≤ ${LIMITS.initMs} ms`, value: `slowest ${slowest[0]} ${slowest[1].initMs} ms`, met: slowest[1].initMs! <= LIMITS.initMs });
    }
  }
  const page = result.ddb?.endpoints.messagesList;
  found.push({
    name: 'history page',
    target: `≤ ${LIMITS.historyQueries} Query`,
    value: page ? `${page.byCommand.QueryCommand ?? 0} Query (${page.requests} requests: ${commands(page.byCommand)})` : 'n/a',
    met: page ? (page.byCommand.QueryCommand ?? 0) <= LIMITS.historyQueries : null,
  });
  const e2e = result.ddb?.messageEndToEnd;
  found.push({
    name: 'message end to end',
    target: `≤ ${LIMITS.messageWcu} WCU (AWS-billed)`,
    value: e2e ? `${e2e.wcu} WCU (${e2e.wcuLocal} reported by DynamoDB Local)` : 'n/a',
    met: e2e ? e2e.wcu <= LIMITS.messageWcu : null,
  });
  const full = result.ddb?.messageEndToEndFullBatch;
  found.push({
    name: 'message end to end, full batch of one room',
    target: `≤ ${LIMITS.fullBatchMessageWcu} WCU (AWS-billed; 10 records from 10 senders)`,
    value: full ? `${full.wcu} WCU (${full.transactWriteItems} transaction items per message)` : 'n/a',
    met: full ? full.wcu <= LIMITS.fullBatchMessageWcu : null,
  });
  const busy = result.ddb?.messageEndToEndBusyRoom;
  found.push({
    name: 'message end to end, busy room',
    target: `≤ ${LIMITS.fullBatchMessageWcu} WCU (AWS-billed; per message over the busy room's whole run)`,
    value: busy ? `${busy.wcu} WCU (${busy.requests} requests, ${busy.transactWriteItems} transaction items per message)` : 'n/a',
    met: busy ? busy.wcu <= LIMITS.fullBatchMessageWcu : null,
  });
  const batch = result.ddb?.endpoints.messageConsumerRoomBatch10Senders;
  found.push({
    name: 'consumer requests per message, full batch of one room',
    target: `≤ ${LIMITS.fullBatchConsumerRequests}`,
    value: batch ? `${batch.requests} (${commands(batch.byCommand)})` : 'n/a',
    met: batch ? batch.requests <= LIMITS.fullBatchConsumerRequests : null,
  });
  return found;
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const commands = (byCommand: Record<string, number>) =>
  Object.entries(byCommand)
    .map(([command, n]) => `${n} ${command.replace(/Command$/, '')}`)
    .join(', ');

function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((row) => row.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

/** The human-readable report. */
export function formatReport(r: BenchResult): string {
  const out: string[] = [];
  const m = r.meta;
  out.push(`chat-serverless benchmark — ${m.date}`);
  out.push(`machine: ${m.machine.cpus} × ${m.machine.cpuModel}, ${m.machine.memoryGb} GB, ${m.machine.os}; bench on Node ${m.node}; took ${m.totalSeconds} s; load average ${m.loadAverage.start} → ${m.loadAverage.end}`);
  if (r.listMessages) {
    out.push('', `List messages: newest page of ${m.config.pageSize} over HTTP (GET /chat/messages/:id/?limit=${m.config.pageSize})`);
    out.push(table(['room size', 'p50 ms', 'p95 ms', 'samples'], Object.entries(r.listMessages).map(([size, l]) => [size, l.p50Ms, l.p95Ms, l.samples])));
    out.push(`flat ratio (p50 largest / p50 smallest): ${r.listMessagesFlatRatio}`);
  }
  if (r.sendToPersisted || r.pipeline || r.hotRoom) {
    out.push('', 'Message pipeline over HTTP (POST → SQS → consumer → task SUCCESS)');
    const rows: (string | number)[][] = [];
    if (r.sendToPersisted) {
      const s = r.sendToPersisted;
      rows.push(['send → persisted, one at a time', `p50 ${s.p50Ms} ms`, `p95 ${s.p95Ms} ms`, `POST p50 ${s.acceptP50Ms} ms, ${s.samples} samples`]);
    }
    if (r.pipeline) {
      const p = r.pipeline;
      rows.push([
        `pipeline: ${p.messages} msgs, ${p.rooms} rooms, ${p.senders} senders, ${p.concurrency} in flight`,
        `${p.msgsPerSec} msg/s`,
        `${p.seconds} s`,
        `accepted ${p.acceptedPerSec} msg/s, POST p50 ${p.postP50Ms} / p95 ${p.postP95Ms} ms, not SUCCESS: ${p.notSucceeded}, failed POSTs: ${p.failedPosts}; slowest DynamoDB probe ${p.stalls.dynamoMaxMs} ms, bench event-loop max ${p.stalls.eventLoopMaxMs} ms`,
      ]);
    }
    if (r.hotRoom) {
      const h = r.hotRoom;
      const c = h.consumer;
      rows.push([
        `hot room: ${h.messages} msgs, 1 room, ${h.senders} senders, ${h.concurrency} in flight`,
        `${h.msgsPerSec} msg/s`,
        `${h.seconds} s`,
        `accepted ${h.acceptedPerSec} msg/s, POST p50 ${h.postP50Ms} / p95 ${h.postP95Ms} ms, 429 waited out: ${h.rateLimited}, not SUCCESS: ${h.notSucceeded}, failed POSTs: ${h.failedPosts}${h.firstFailure ? ` (first ${h.firstFailure.slice(0, 120)})` : ''}, ` +
          `stored ${h.stored}, sequences 1..${h.stored}: ${h.contiguous ? 'yes' : 'NO'}, senders in order: ${h.sendersInOrder ? 'yes' : 'NO'}` +
          (c
            ? `; consumer: ${c.batches} batches, ${c.recordsPerBatch} records (${c.sendersPerBatch} senders) per batch, ${c.fullBatches} full`
            : '; consumer batches: not observed (poller in another process)'),
      ]);
    }
    out.push(table(['workload', 'figure', '', 'detail'], rows));
  }
  if (r.usersList) {
    const u = r.usersList;
    out.push('', `Users list over HTTP (GET /users/, ${u.listed} users, ${kb(u.bodyBytes)} body)`);
    out.push(
      table(
        ['', 'p50 ms', 'p95 ms'],
        [
          ['floor: GET /health (no data store)', u.floorP50Ms, u.floorP95Ms],
          ['cached (Redis hit)', u.cachedP50Ms, u.cachedP95Ms],
          ['uncached (after invalidateUserList)', u.uncachedP50Ms, u.uncachedP95Ms],
        ],
      ),
    );
    out.push(`X-Cache seen: ${Object.entries(u.cacheHeaders).map(([k, n]) => `${k} ×${n}`).join(', ')}`);
    out.push(`handlers in process (no serverless-offline): GET /health p50 ${u.handlerFloorP50Ms} ms, GET /users/ (hit) p50 ${u.handlerCachedP50Ms} ms`);
  }
  if (r.ddb) {
    out.push('', 'DynamoDB per request (handler level; wcu/rcu = AWS-billed estimate, transactional units doubled)');
    const rows = Object.entries(r.ddb.endpoints).map(([key, e]) => [key, e.endpoint, e.status, e.requests, e.rcu, e.wcu, `${e.rcuLocal}/${e.wcuLocal}`, commands(e.byCommand)]);
    for (const [key, e] of [
      ['messageEndToEnd', r.ddb.messageEndToEnd],
      ['messageEndToEndFullBatch', r.ddb.messageEndToEndFullBatch],
      ['messageEndToEndBusyRoom', r.ddb.messageEndToEndBusyRoom],
    ] as const) {
      rows.push([key, e.endpoint, '', e.requests, e.rcu, e.wcu, `${e.rcuLocal}/${e.wcuLocal}`, commands(e.byCommand)]);
    }
    out.push(table(['function', 'request', 'status', 'requests', 'rcu', 'wcu', 'local r/w', 'commands'], rows));
    out.push(`warm handler ms: send ${r.ddb.lambdaMs.sendGroup}, consumer batch of 10 ${r.ddb.lambdaMs.consumerBatchOf10} (${r.ddb.lambdaMs.consumerPerMessage} per message)`);
    if (r.ddb.notMeasured.length) out.push(`not measured: ${r.ddb.notMeasured.join('; ')}`);
  }
  if (r.liveDelivery || r.fanOut) {
    out.push('', 'Live delivery over the WebSocket API (POST → stream → fan-out Lambda → socket)');
    const rows: (string | number)[][] = [];
    if (r.liveDelivery) rows.push(['send → another member’s socket, one at a time', `p50 ${r.liveDelivery.p50Ms} ms`, `p95 ${r.liveDelivery.p95Ms} ms`, `${r.liveDelivery.samples} samples`]);
    if (r.fanOut) {
      const f = r.fanOut;
      rows.push([`fan-out to ${f.members} connected members, first socket`, `p50 ${f.firstSocket.p50Ms} ms`, `p95 ${f.firstSocket.p95Ms} ms`, `${f.messages} messages`]);
      rows.push([`fan-out to ${f.members} connected members, last socket`, `p50 ${f.lastSocket.p50Ms} ms`, `p95 ${f.lastSocket.p95Ms} ms`, `${f.messages} messages`]);
      const p = f.perMessage;
      rows.push(['one fan-out (one message)', `${p.ddbRequests} DynamoDB requests`, `${p.posts} posts`, `${p.rcu} RRU, ${p.wcu} WRU, ${commands(p.byCommand)}, ${p.fanOutMs} ms in-process`]);
      const l = f.lookup;
      rows.push([`connections of ${f.members} members: BatchGetItem of lists`, `p50 ${l.batchGet.p50Ms} ms`, `${l.batchGet.requests} requests`, `${l.batchGet.rcu} RRU`]);
      rows.push([`connections of ${f.members} members: Query per member`, `p50 ${l.queryPerMember.p50Ms} ms`, `${l.queryPerMember.requests} requests`, `${l.queryPerMember.rcu} RRU`]);
    }
    out.push(table(['workload', 'figure', '', 'detail'], rows));
    if (r.webSocketRoutes) {
      out.push('', 'WebSocket route functions, one call each (handler level, in-process)');
      out.push(table(['function', 'status', 'requests', 'rcu', 'wcu', 'commands'], Object.entries(r.webSocketRoutes).map(([name, c]) => [name, c.statusCode, c.requests, c.rcu, c.wcu, commands(c.byCommand)])));
    }
    if (r.liveCost) {
      out.push('', `Live delivery cost per million messages in a room of ${r.fanOut?.members} connected members (AWS list prices, us-east-1)`);
      out.push(table(['item', 'basis', 'USD / M'], [...r.liveCost.lines.map((l) => [l.item, l.basis, l.usdPerMillion.toFixed(3)]), ['total', '', r.liveCost.usdPerMillionMessages.toFixed(2)]]));
      out.push(`a user connected all month: $${r.liveCost.usdPerConnectedUserMonth} in connection minutes`);
    }
  }
  if (r.bundles) {
    out.push('', `Bundles (sls package --stage prod, minified ESM; import on ${r.bundlesMeta?.node}, median of ${m.config.bundleRuns} fresh processes)`);
    out.push(table(['function', 'bytes', 'KB', 'import ms'], Object.entries(r.bundles).map(([name, b]) => [name, b.bytes, kb(b.bytes), b.initMs ?? '-'])));
  }
  if (r.cost) {
    out.push('', `Cost per million messages (${r.cost.pricesAsOf})`);
    out.push(table(['item', 'basis', 'USD / M'], [...r.cost.lines.map((l) => [l.item, l.basis, l.usdPerMillion.toFixed(3)]), ['total', '', r.cost.usdPerMillionMessages.toFixed(2)]]));
    out.push(`dominated by ${r.cost.dominant}; each task_state poll adds $${r.cost.usdPerMillionTaskPolls} per million polls`);
  }
  out.push('', 'Targets');
  out.push(table(['target', 'limit', 'measured', 'met'], r.targets.map((t) => [t.name, t.target, t.value, t.met === null ? 'n/a' : t.met ? 'yes' : 'NO'])));
  if (r.errors.length) out.push('', `ERRORS: ${r.errors.map((e) => `${e.workload}: ${e.message}`).join('\n  ')}`);
  return out.join('\n');
}
