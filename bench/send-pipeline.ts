/**
 * sendToPersisted: one message at a time, from the POST to its task reading SUCCESS over HTTP
 * (serverless-offline → SQS → the poller → the consumer Lambda → DynamoDB).
 * pipeline: many messages over many rooms with bounded concurrency; the sustained rate from the
 * first POST until the store holds all of them.
 * hotRoom: the same into ONE room from many senders, and the consumer's batches of it.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { batchGet } from '../lib/repository/batch.ts';
import { tables } from '../lib/repository/client.ts';
import { keys } from '../lib/repository/keys.ts';
import { messageGroupId } from '../lib/messages/model.ts';
import { listRoomMessages } from '../lib/repository/messages.ts';
import { getTask } from '../lib/repository/tasks.ts';
import { observeDeliveredBatches } from '../local/sqs-poller.ts';
import { BenchHttp, expectStatus, inParallel } from './http.ts';
import { createRoom, createUsers, type BenchUser } from './seed.ts';
import { elapsedMs, latency, round, type Latency } from './stats.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends are rate limited per sender (lib/cache/rate-limits.ts, RATE_LIMIT_SENDS, 30 per 10 s by
 * default), as in production: the workloads spread their messages over enough senders to stay
 * below it, as a room full of people would.
 */
export interface SendToPersistedConfig {
  samples: number;
  /** Members of the room taking turns to send. */
  senders: number;
  warmup: number;
  /** Pause between two task_state polls. */
  pollMs: number;
}

export interface SendToPersistedResult extends Latency {
  /** The POST alone (task accepted and queued). */
  acceptP50Ms: number;
  /** task_state polls per message, median. */
  pollsP50: number;
}

const sendPath = (roomId: number) => `/chat/group/${roomId}/`;
const taskPath = (taskId: string) => `/chat/task_state/${taskId}`;

async function send(http: BenchHttp, roomId: number, from: number, text: string): Promise<{ taskId: string; ms: number }> {
  const answer = expectStatus(await http.post(sendPath(roomId), { from, text }), 200, `POST ${sendPath(roomId)}`);
  const taskId = answer.body?.data;
  if (typeof taskId !== 'string') throw new Error(`POST ${sendPath(roomId)}: no task id in ${JSON.stringify(answer.body)}`);
  return { taskId, ms: answer.ms };
}

/** Polls the task over HTTP until SUCCESS; the number of polls it took. */
async function awaitSuccess(http: BenchHttp, taskId: string, pollMs: number, timeoutMs = 30_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (let polls = 1; ; polls++) {
    const answer = expectStatus(await http.get(taskPath(taskId)), 200, `GET ${taskPath(taskId)}`);
    const state = answer.body?.state;
    if (state === 'SUCCESS') return polls;
    if (state === 'FAILURE') throw new Error(`task ${taskId} failed: ${JSON.stringify(answer.body.result)}`);
    if (performance.now() > deadline) throw new Error(`task ${taskId} still ${state} after ${timeoutMs} ms`);
    await sleep(pollMs);
  }
}

export async function sendToPersisted(http: BenchHttp, config: SendToPersistedConfig): Promise<SendToPersistedResult> {
  const senders = await createUsers(config.senders, 'sender');
  const room = await createRoom(senders, 'latency');
  const total: number[] = [];
  const accept: number[] = [];
  const polls: number[] = [];
  for (let i = 0; i < config.warmup + config.samples; i++) {
    const started = performance.now();
    const { taskId, ms } = await send(http, room.id, senders[i % senders.length]!.id, `latency probe ${i}`);
    const pollCount = await awaitSuccess(http, taskId, config.pollMs);
    const elapsed = elapsedMs(started);
    if (i < config.warmup) continue;
    total.push(elapsed);
    accept.push(ms);
    polls.push(pollCount);
  }
  return { ...latency(total), acceptP50Ms: latency(accept).p50Ms, pollsP50: latency(polls).p50Ms };
}

export interface PipelineConfig {
  messages: number;
  rooms: number;
  /** Senders per room (each a member of its room only). */
  sendersPerRoom: number;
  /** POSTs in flight at once. */
  concurrency: number;
  /** Give up waiting for the store after this long. */
  timeoutMs: number;
}

export interface PipelineResult {
  messages: number;
  rooms: number;
  senders: number;
  concurrency: number;
  /** messages stored / (last stored − first POST). */
  msgsPerSec: number;
  /** messages / (last POST answered − first POST): how fast the API accepts. */
  acceptedPerSec: number;
  seconds: number;
  postP50Ms: number;
  postP95Ms: number;
  /** Tasks not in SUCCESS once the store held every message (should be 0). */
  notSucceeded: number;
  /** Slowest DynamoDB Local answer and bench event-loop delay seen during the run (stall diagnosis). */
  stalls: { dynamoMaxMs: number; eventLoopMaxMs: number };
  /** POSTs that did not answer 200 with a task id (should be 0), and the first error. */
  failedPosts: number;
  firstFailure?: string;
}

/** Sum of the rooms' lastSequence: how many messages the consumer has stored in them. */
async function storedCount(roomIds: number[]): Promise<number> {
  const items = await batchGet(tables.chat, roomIds.map(keys.room), { attributes: ['lastSequence'], consistent: true });
  return items.reduce((sum, item) => sum + Number(item.lastSequence ?? 0), 0);
}

/** Polls the rooms' sequences until they hold `accepted` messages (≥: a POST that failed late may still have queued its message). */
async function awaitStored(workload: string, roomIds: number[], accepted: number, started: number, timeoutMs: number): Promise<number> {
  let stored = 0;
  while ((stored = await storedCount(roomIds)) < accepted) {
    if (elapsedMs(started) > timeoutMs) throw new Error(`${workload}: only ${stored} of ${accepted} messages stored after ${timeoutMs} ms`);
    await sleep(25);
  }
  return stored;
}

/** How many of the tasks are not SUCCESS (should be 0 once every message is stored). */
async function countNotSucceeded(taskIds: string[]): Promise<number> {
  let notSucceeded = 0;
  await inParallel(taskIds.length, 16, async (index) => {
    if ((await getTask(taskIds[index]!))?.state !== 'SUCCESS') notSucceeded++;
  });
  return notSucceeded;
}

export async function pipeline(http: BenchHttp, config: PipelineConfig, log: (line: string) => void): Promise<PipelineResult> {
  const rooms: { id: number; senders: BenchUser[] }[] = [];
  for (let i = 0; i < config.rooms; i++) {
    const senders = await createUsers(config.sendersPerRoom, 'pipeline');
    rooms.push({ id: (await createRoom(senders, 'pipeline')).id, senders });
  }

  const taskIds: string[] = [];
  const postMs: number[] = [];
  const failures: string[] = [];
  const roomIds = rooms.map((room) => room.id);
  const probe = startStallProbe(roomIds);
  const started = performance.now();
  await inParallel(config.messages, config.concurrency, async (index) => {
    const room = rooms[index % rooms.length]!;
    const sender = room.senders[Math.floor(index / rooms.length) % room.senders.length]!;
    try {
      const { taskId, ms } = await send(http, room.id, sender.id, `pipeline message ${index}`);
      taskIds.push(taskId);
      postMs.push(ms);
    } catch (error) {
      // Reported, not fatal: a refused send is a finding of the run, the rest still measures.
      const at = (elapsedMs(started) / 1000).toFixed(1);
      failures.push(`at ${at} s: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  const acceptedSeconds = elapsedMs(started) / 1000;
  const accepted = taskIds.length;
  log(`  ${accepted} of ${config.messages} messages accepted in ${acceptedSeconds.toFixed(1)} s; waiting for the consumer`);
  if (failures.length) log(`  ${failures.length} POSTs failed:\n    ${failures.map((f) => f.slice(0, 160)).join('\n    ')}`);

  const stored = await awaitStored('pipeline', roomIds, accepted, started, config.timeoutMs);
  const seconds = elapsedMs(started) / 1000;
  const stalls = await probe.stop();
  if (stored > config.messages) throw new Error(`pipeline: ${stored} messages stored for ${config.messages} sent (duplicates?)`);

  const notSucceeded = await countNotSucceeded(taskIds);
  const post = latency(postMs);
  return {
    messages: config.messages,
    rooms: config.rooms,
    senders: config.rooms * config.sendersPerRoom,
    concurrency: config.concurrency,
    msgsPerSec: round(stored / seconds, 1),
    acceptedPerSec: round(accepted / acceptedSeconds, 1),
    seconds: round(seconds, 1),
    postP50Ms: post.p50Ms,
    postP95Ms: post.p95Ms,
    notSucceeded,
    stalls,
    failedPosts: failures.length,
    ...(failures.length ? { firstFailure: failures[0]!.slice(0, 500) } : {}),
  };
}

/**
 * Every 250 ms, one small read of DynamoDB Local and the event-loop delay of this process (which
 * also hosts fauxqs, the Upstash bridge and the SQS poller): when POSTs time out, these say
 * whether the store or this process stalled.
 */
function startStallProbe(roomIds: number[]): { stop(): Promise<{ dynamoMaxMs: number; eventLoopMaxMs: number }> } {
  const loop = monitorEventLoopDelay({ resolution: 20 });
  loop.enable();
  let dynamoMaxMs = 0;
  let running = true;
  const probing = (async () => {
    while (running) {
      const t0 = performance.now();
      await storedCount(roomIds.slice(0, 1));
      dynamoMaxMs = Math.max(dynamoMaxMs, performance.now() - t0);
      await sleep(250);
    }
  })();
  return {
    async stop() {
      running = false;
      await probing;
      loop.disable();
      return { dynamoMaxMs: round(dynamoMaxMs, 1), eventLoopMaxMs: round(loop.max / 1e6, 1) };
    },
  };
}

export interface HotRoomConfig {
  messages: number;
  /** Members of the one room, each sending its next message once the previous one was accepted. */
  senders: number;
  /** POSTs in flight at once (at most one per sender, so each sender's order is defined). */
  concurrency: number;
  timeoutMs: number;
}

export interface HotRoomResult {
  messages: number;
  senders: number;
  concurrency: number;
  /** messages stored / (last stored − first POST). */
  msgsPerSec: number;
  acceptedPerSec: number;
  seconds: number;
  postP50Ms: number;
  postP95Ms: number;
  /** 429s (the per-sender send limit) waited out and sent again, as a client does. */
  rateLimited: number;
  /** POSTs that did not answer 200 (a timed-out one may still have queued its message), and the first. */
  failedPosts: number;
  firstFailure?: string;
  notSucceeded: number;
  /** The stored room: sequences exactly 1..stored (no gap, no duplicate), each sender's messages in send order. */
  stored: number;
  contiguous: boolean;
  sendersInOrder: boolean;
  /**
   * The consumer's batches of this room as the SQS poller delivered them (local/sqs-poller.ts
   * observeDeliveredBatches); null when the poller runs in another process. What such batches cost
   * is measured by the ddb workload's busy room (the consumer in this process, every request counted).
   */
  consumer: {
    batches: number;
    recordsPerBatch: number;
    fullBatches: number;
    sendersPerBatch: number;
  } | null;
}

/**
 * hotRoom: one room, many senders, as many POSTs in flight as the machine takes; the sustained rate
 * at which the room's messages are stored, and the shape of the consumer's batches.
 */
export async function hotRoom(http: BenchHttp, config: HotRoomConfig, log: (line: string) => void): Promise<HotRoomResult> {
  const senders = await createUsers(config.senders, 'hot');
  const room = await createRoom(senders, 'hot');

  const batches: { records: number; senders: number }[] = [];
  const group = messageGroupId(room.id);
  const unobserve = observeDeliveredBatches(({ records, failed }) => {
    const ours = records.filter((r) => r.attributes.MessageGroupId === group);
    if (ours.length === 0 || failed > 0) return;
    batches.push({ records: ours.length, senders: new Set(ours.map((r) => (JSON.parse(r.body) as { senderId: number }).senderId)).size });
  });

  const perSender = Math.ceil(config.messages / config.senders);
  const taskIds: string[] = [];
  const postMs: number[] = [];
  const failures: string[] = [];
  let rateLimited = 0;
  const started = performance.now();
  try {
    await inParallel(config.senders, Math.min(config.concurrency, config.senders), async (senderIndex) => {
      const sender = senders[senderIndex]!;
      for (let n = 0; n < perSender && senderIndex * perSender + n < config.messages; n++) {
        for (;;) {
          const answer = await http.post(sendPath(room.id), { from: sender.id, text: `${sender.id}#${n}` });
          if (answer.status === 429) {
            rateLimited++;
            await sleep(1000 * Number(answer.headers.get('retry-after') ?? 1));
            continue;
          }
          if (answer.status === 200 && typeof answer.body?.data === 'string') {
            taskIds.push(answer.body.data);
            postMs.push(answer.ms);
          } else {
            failures.push(`at ${(elapsedMs(started) / 1000).toFixed(1)} s: HTTP ${answer.status}: ${JSON.stringify(answer.body).slice(0, 200)}`);
          }
          break;
        }
      }
    });
    const acceptedSeconds = elapsedMs(started) / 1000;
    log(`  hot room: ${taskIds.length} of ${config.messages} accepted in ${acceptedSeconds.toFixed(1)} s (${rateLimited} × 429 waited out); waiting for the consumer`);
    const stored = await awaitStored('hotRoom', [room.id], taskIds.length, started, config.timeoutMs);
    const seconds = elapsedMs(started) / 1000;
    const notSucceeded = await countNotSucceeded(taskIds);
    const messages = await listRoomMessages(room.id);
    const contiguous = messages.length === stored && messages.every((m, i) => m.sequence === i + 1);
    // Strictly increasing: a failed POST leaves a hole in its sender's numbers, never a swap.
    const sendersInOrder = senders.every((sender) => {
      const mine = messages.filter((m) => m.senderId === sender.id).map((m) => Number(m.text.split('#')[1]));
      return mine.every((n, i) => i === 0 || n > mine[i - 1]!);
    });
    const post = latency(postMs);
    const observed = batches.reduce((sum, b) => sum + b.records, 0);
    return {
      messages: config.messages,
      senders: config.senders,
      concurrency: config.concurrency,
      msgsPerSec: round(stored / seconds, 1),
      acceptedPerSec: round(taskIds.length / acceptedSeconds, 1),
      seconds: round(seconds, 1),
      postP50Ms: post.p50Ms,
      postP95Ms: post.p95Ms,
      rateLimited,
      failedPosts: failures.length,
      ...(failures.length ? { firstFailure: failures[0] } : {}),
      notSucceeded,
      stored,
      contiguous,
      sendersInOrder,
      consumer:
        batches.length === 0
          ? null
          : {
              batches: batches.length,
              recordsPerBatch: round(observed / batches.length, 2),
              fullBatches: batches.filter((b) => b.records === 10).length,
              sendersPerBatch: round(batches.reduce((sum, b) => sum + b.senders, 0) / batches.length, 2),
            },
    };
  } finally {
    unobserve();
  }
}
