/**
 * Live delivery over the WebSocket API (docs/realtime.md), against the running local stack:
 *
 * - sendToSocket: a POST /chat/group/:id/ until the message frame arrives on ANOTHER member's
 *   socket (HTTP → SQS → consumer → DynamoDB stream → local stream poller → fan-out Lambda in
 *   serverless-offline → management endpoint → socket), one message at a time.
 * - fanOut100: a room of 100 members, each with a socket; per message the time until the first
 *   and the last of the 100 sockets has it, and — counted in this process on the same stream
 *   records — the DynamoDB requests and units and the API Gateway posts of one fan-out; plus
 *   the two ways to find 100 members' connections (one BatchGetItem of per-user lists, as built,
 *   against one Query per member), timed on DynamoDB Local.
 */
import { QueryCommand } from '../lib/aws/dynamodb.ts';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { startStreamPoller } from '../local/stream-poller.ts';
import { fanOut } from '../lib/realtime/fanout.ts';
import { managementUsage, resetManagementUsage } from '../lib/realtime/management.ts';
import { readAudience } from '../lib/repository/connections.ts';
import { ddb, dynamoUsage, resetDynamoUsage, tables } from '../lib/repository/client.ts';
import { keys } from '../lib/repository/keys.ts';
import { BenchHttp, expectStatus, inParallel } from './http.ts';
import { createRoom, createUsers, type BenchUser } from './seed.ts';
import { elapsedMs, latency, round, type Latency } from './stats.ts';

const FRAME_TIMEOUT_MS = 30_000;

/** A socket that resolves waiters when a message frame of a given sequence arrives. */
class BenchSocket {
  readonly #socket: WebSocket;
  readonly #arrived = new Map<number, number>();
  readonly #waiters = new Map<number, (at: number) => void>();

  private constructor(socket: WebSocket, roomId: number) {
    this.#socket = socket;
    socket.addEventListener('message', (event) => {
      const frame = JSON.parse(String(event.data)) as { type: string; room_id?: number; sequence?: number };
      if (frame.type !== 'message' || frame.room_id !== roomId || frame.sequence === undefined) return;
      const at = performance.now();
      this.#arrived.set(frame.sequence, at);
      this.#waiters.get(frame.sequence)?.(at);
    });
  }

  static open(url: string, roomId: number): Promise<BenchSocket> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      const timer = setTimeout(() => reject(new Error(`${url}: not open within 30 s`)), 30_000);
      socket.addEventListener('open', () => (clearTimeout(timer), resolve(new BenchSocket(socket, roomId))));
      socket.addEventListener('error', () => (clearTimeout(timer), reject(new Error(`${url}: refused`))));
    });
  }

  /** When the frame of `sequence` arrived (performance.now()); waits for it, bounded. */
  arrival(sequence: number): Promise<number> {
    const at = this.#arrived.get(sequence);
    if (at !== undefined) return Promise.resolve(at);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no frame for sequence ${sequence} within ${FRAME_TIMEOUT_MS} ms`)), FRAME_TIMEOUT_MS);
      this.#waiters.set(sequence, (arrivedAt) => (clearTimeout(timer), resolve(arrivedAt)));
    });
  }

  close(): void {
    this.#socket.close();
  }
}

async function post(http: BenchHttp, roomId: number, from: number, text: string): Promise<void> {
  expectStatus(await http.post(`/chat/group/${roomId}/`, { from, text }), 200, `POST /chat/group/${roomId}/`);
}

export interface SendToSocketConfig {
  websocketUrl: string;
  samples: number;
  warmup: number;
  /** Members taking turns to send (sends are rate limited per sender). */
  senders: number;
}

/** POST → the frame on another member's socket, one message at a time. */
export async function sendToSocket(http: BenchHttp, config: SendToSocketConfig): Promise<Latency> {
  const senders = await createUsers(config.senders, 'ws_sender');
  const [receiver] = await createUsers(1, 'ws_receiver');
  const room = await createRoom([...senders, receiver!], 'ws_latency');
  const socket = await BenchSocket.open(`${config.websocketUrl}/?user_id=${receiver!.id}`, room.id);
  const samples: number[] = [];
  try {
    for (let i = 0; i < config.warmup + config.samples; i++) {
      const started = performance.now();
      await post(http, room.id, senders[i % senders.length]!.id, `live probe ${i}`);
      const arrived = await socket.arrival(i + 1);
      if (i >= config.warmup) samples.push(arrived - started);
    }
  } finally {
    socket.close();
  }
  return latency(samples);
}

export interface FanOutConfig {
  websocketUrl: string;
  members: number;
  messages: number;
  /** Members taking turns to send. */
  senders: number;
  /** Connection lookups timed per strategy. */
  lookupRuns: number;
}

export interface FanOutResult {
  members: number;
  messages: number;
  /** POST → the first and the last of the members' sockets has the frame. */
  firstSocket: Latency;
  lastSocket: Latency;
  /** One fan-out of one message (counted in this process on the same stream records). */
  perMessage: { ddbRequests: number; byCommand: Record<string, number>; rcu: number; wcu: number; posts: number; fanOutMs: number };
  /** Finding 100 members' connections: one BatchGetItem of per-user lists vs one Query per member. */
  lookup: {
    batchGet: { requests: number; rcu: number } & Latency;
    queryPerMember: { requests: number; rcu: number } & Latency;
  };
}

export async function fanOut100(http: BenchHttp, config: FanOutConfig, log: (line: string) => void): Promise<FanOutResult> {
  const members = await createUsers(config.members, 'ws_member');
  const room = await createRoom(members, 'ws_fanout');
  const sockets: BenchSocket[] = [];
  // Each $connect is a Lambda run in serverless-offline: a few at a time.
  await inParallel(members.length, 4, async (i) => {
    sockets[i] = await BenchSocket.open(`${config.websocketUrl}/?user_id=${members[i]!.id}`, room.id);
  });
  log(`  ${members.length} members connected to room ${room.id}`);
  const senders = members.slice(0, config.senders);
  try {
    // Latency through the stack's own fan-out (serverless-offline), one message at a time.
    const first: number[] = [];
    const last: number[] = [];
    for (let i = 0; i < config.messages; i++) {
      const started = performance.now();
      await post(http, room.id, senders[i % senders.length]!.id, `fan-out ${i}`);
      const arrivals = await Promise.all(sockets.map((socket) => socket.arrival(i + 1)));
      first.push(Math.min(...arrivals) - started);
      last.push(Math.max(...arrivals) - started);
    }

    const perMessage = await countOneFanOut(http, room.id, senders[0]!, config.messages + 1, sockets);
    const lookup = await compareLookups(members, config.lookupRuns);
    return { members: members.length, messages: config.messages, firstSocket: latency(first), lastSocket: latency(last), perMessage, lookup };
  } finally {
    for (const socket of sockets) socket.close();
  }
}

/**
 * One message's fan-out run in this process on the stream records (a second reader of the stream,
 * next to the stack's own poller, so the members get the frame twice: only the counts matter).
 */
async function countOneFanOut(http: BenchHttp, roomId: number, sender: BenchUser, sequence: number, sockets: BenchSocket[]): Promise<FanOutResult['perMessage']> {
  let counted: FanOutResult['perMessage'] | undefined;
  const deliver = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    const records = event.Records.filter((r) => r.dynamodb?.Keys?.PK?.S === keys.roomPartition(roomId).PK && r.dynamodb?.Keys?.SK?.S?.startsWith('MSG#'));
    if (records.length === 0) return { batchItemFailures: [] };
    resetDynamoUsage();
    resetManagementUsage();
    const started = performance.now();
    const answer = await fanOut(records);
    const fanOutMs = round(elapsedMs(started));
    const usage = dynamoUsage();
    counted = { ddbRequests: usage.requests, byCommand: usage.byCommand, rcu: round(usage.readCapacity, 1), wcu: round(usage.writeCapacity, 1), posts: managementUsage().posts, fanOutMs };
    return answer;
  };
  const poller = startStreamPoller({ dynamodbEndpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB!, tableName: tables.chat, deliver, log: () => {} });
  try {
    await poller.ready;
    await post(http, roomId, sender.id, 'counted fan-out');
    await Promise.all(sockets.map((socket) => socket.arrival(sequence)));
    for (let i = 0; i < 300 && !counted; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    if (!counted) throw new Error('the counted fan-out did not run');
    return counted;
  } finally {
    await poller.stop();
  }
}

async function compareLookups(members: BenchUser[], runs: number): Promise<FanOutResult['lookup']> {
  // Every member has one connection (the benchmark's sockets); this adds nothing, it reads.
  const ids = members.map((m) => m.id);
  const batchMs: number[] = [];
  const queryMs: number[] = [];
  let batch = { requests: 0, rcu: 0 };
  let query = { requests: 0, rcu: 0 };
  for (let run = 0; run < runs; run++) {
    resetDynamoUsage();
    let started = performance.now();
    await readAudience({ namedUserIds: [], recipientIds: ids, now: Date.now() });
    batchMs.push(elapsedMs(started));
    const afterBatch = dynamoUsage();
    batch = { requests: afterBatch.requests, rcu: round(afterBatch.readCapacity, 1) };
    resetDynamoUsage();
    started = performance.now();
    // The alternative layout: a user's connections as items of their partition, one Query each.
    await inParallel(ids.length, ids.length, async (i) => {
      await ddb.send(
        new QueryCommand({
          TableName: tables.chat,
          ConsistentRead: true,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :connections)',
          ExpressionAttributeValues: { ':pk': keys.connectionsOfUser(ids[i]!).PK, ':connections': keys.connectionsOfUser(ids[i]!).SK },
        }),
      );
    });
    queryMs.push(elapsedMs(started));
    const afterQuery = dynamoUsage();
    query = { requests: afterQuery.requests, rcu: round(afterQuery.readCapacity, 1) };
  }
  return { batchGet: { ...batch, ...latency(batchMs) }, queryPerMember: { ...query, ...latency(queryMs) } };
}


/** AWS list prices of live delivery (us-east-1, read 2026-12; they change — check the pricing pages). */
export const LIVE_PRICES = {
  /** API Gateway WebSocket: per message (first billion a month), metered in 32 KB increments. */
  websocketMessage: 1.0 / 1e6,
  /** API Gateway WebSocket: per connection minute. */
  connectionMinute: 0.25 / 1e6,
  /** Lambda, per request, and arm64 per GB-second. */
  lambdaRequest: 0.2 / 1e6,
  lambdaGbSecondArm: 0.0000133334,
  /** DynamoDB on-demand, per read / write request unit. */
  dynamoReadUnit: 0.125 / 1e6,
  dynamoWriteUnit: 0.625 / 1e6,
  /** DynamoDB Streams: GetRecords by a Lambda trigger is free. */
  streamReadByLambda: 0,
};

export interface LiveCostLine {
  item: string;
  basis: string;
  usdPerMillion: number;
}

/** Live delivery's cost per million chat messages in a room like the measured one (on top of storing them). */
export function liveDeliveryCost(fan: FanOutResult, memoryGb = 1): { lines: LiveCostLine[]; usdPerMillionMessages: number; usdPerConnectedUserMonth: number } {
  const p = fan.perMessage;
  const lines: LiveCostLine[] = [
    { item: 'API Gateway WebSocket messages', basis: `${p.posts} posts (one per member connection, each < 32 KB)`, usdPerMillion: p.posts * LIVE_PRICES.websocketMessage },
    {
      item: 'fan-out Lambda',
      basis: `1 invoke + ${Math.ceil(p.fanOutMs)} ms × ${memoryGb} GB (one message per batch: the worst case)`,
      usdPerMillion: LIVE_PRICES.lambdaRequest + (Math.ceil(p.fanOutMs) / 1000) * memoryGb * LIVE_PRICES.lambdaGbSecondArm,
    },
    { item: 'DynamoDB reads', basis: `${p.rcu} RRU (${p.ddbRequests} requests: member Query + BatchGetItem)`, usdPerMillion: p.rcu * LIVE_PRICES.dynamoReadUnit },
    { item: 'DynamoDB Streams reads', basis: 'GetRecords by the Lambda trigger', usdPerMillion: 0 },
  ].map((line) => ({ ...line, usdPerMillion: round(line.usdPerMillion * 1e6, 3) }));
  // A user connected all month: 43,200 minutes, plus one $connect and one $disconnect every 2 h.
  const minutes = 30 * 24 * 60;
  return {
    lines,
    usdPerMillionMessages: round(lines.reduce((sum, line) => sum + line.usdPerMillion, 0), 2),
    usdPerConnectedUserMonth: round(minutes * LIVE_PRICES.connectionMinute, 4),
  };
}

/** DynamoDB requests of one call of each WebSocket route function (in-process, counted). */
export type WebSocketRouteCosts = Record<string, { requests: number; byCommand: Record<string, number>; rcu: number; wcu: number; statusCode: number }>;

/**
 * Each route function invoked once in this process with the event API Gateway sends it, for a
 * connection id of our own (no socket behind it): $connect, ping, typing (in a room of two whose
 * other member has no connection: its throttle, member Query and audience read, no post),
 * $default, $disconnect.
 */
export async function webSocketRouteCosts(): Promise<WebSocketRouteCosts> {
  const [alice, bob] = await createUsers(2, 'ws_route');
  const room = await createRoom([alice!, bob!], 'ws_route');
  const connectionId = `bench-${crypto.randomUUID()}`;
  const context = (await import('./lambda-events.ts')).lambdaContext('bench');
  const event = (routeKey: string, extra: Record<string, unknown> = {}) => ({ requestContext: { connectionId, routeKey, eventType: 'MESSAGE' }, ...extra });
  const calls: [string, string, Record<string, unknown>][] = [
    ['wsConnect', '../functions/ws-connect.ts', event('$connect', { queryStringParameters: { user_id: String(alice!.id) } })],
    ['wsPing', '../functions/ws-ping.ts', event('ping', { body: '{"action":"ping"}' })],
    ['wsTyping', '../functions/ws-typing.ts', event('typing', { body: JSON.stringify({ action: 'typing', room_id: room.id }) })],
    ['wsDefault', '../functions/ws-default.ts', event('$default', { body: 'hello' })],
    ['wsDisconnect', '../functions/ws-disconnect.ts', event('$disconnect')],
  ];
  const costs: WebSocketRouteCosts = {};
  for (const [name, source, call] of calls) {
    const { handler } = (await import(source)) as { handler: (event: unknown, context: unknown) => Promise<{ statusCode: number }> };
    resetDynamoUsage();
    const { statusCode } = await handler(call, context);
    const usage = dynamoUsage();
    costs[name] = { requests: usage.requests, byCommand: usage.byCommand, rcu: round(usage.readCapacity, 1), wcu: round(usage.writeCapacity, 1), statusCode };
  }
  return costs;
}
