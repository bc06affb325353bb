/**
 * ddb: DynamoDB requests and capacity units per endpoint and for one message end to end, measured
 * at handler level in this process (capacity.ts explains the AWS estimate). Handlers are the real
 * functions/*.ts, found through the route table (lib/routes.ts), invoked with API Gateway / SQS events.
 * Also the warm handler durations the cost model needs (send Lambda, consumer per message).
 */
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { invalidateUserList } from '../lib/cache/users-cache.ts';
import { messageGroupId, type QueuedMessage } from '../lib/messages/model.ts';
import { asciiJson } from '../lib/queue/message-queue.ts';
import { getTask, insertTask } from '../lib/repository/tasks.ts';
import { newTask } from '../lib/tasks/model.ts';
import { addCapacity, measureCapacity, scaleCapacity, type Capacity } from './capacity.ts';
import { invokeHttp, lambdaContext, sqsRecord, type HandlerAnswer, type LambdaHandler } from './lambda-events.ts';
import { declaredFunctions, loadHandler, type FunctionDeclaration } from './routes.ts';
import { benchName, BENCH_PASSWORD, createRoom, createUsers, type BenchUser } from './seed.ts';
import { median, round } from './stats.ts';

export interface DdbConfig {
  /** Warm invocations timed for the send and consumer durations (median). */
  durationRuns: number;
  /**
   * A busy room's steady state: `messages` from `senders` who never read, delivered to the consumer
   * in batches of 10 (round robin over the senders, as the hot room's POSTs arrive), all counted.
   */
  busyRoom: { senders: number; messages: number };
  /** The room whose history page is measured (from listMessages), if any. */
  historyRoom?: { roomId: number; member: BenchUser; size: number };
  pageSize: number;
}

export interface EndpointCapacity extends Capacity {
  /** e.g. 'GET /users/ (cache miss)'. */
  endpoint: string;
  status: number;
  /** One warm invocation in this process, DynamoDB Local latency included. */
  ms: number;
}

export interface DdbResult {
  endpoints: Record<string, EndpointCapacity>;
  /** API send + consumer, one group message. */
  messageEndToEnd: Capacity & { endpoint: string };
  /** API send + a tenth of a full batch of one room whose 10 records come from 10 senders. */
  messageEndToEndFullBatch: Capacity & { endpoint: string };
  /** API send + the consumer's cost per message over a busy room's whole run (busyRoom). */
  messageEndToEndBusyRoom: Capacity & { endpoint: string };
  /** Functions declared but not measured (no scenario yet) and routes expected but missing. */
  notMeasured: string[];
  method: string;
  /** Warm handler durations for the cost model, median of `durationRuns`. */
  lambdaMs: { sendGroup: number; consumerBatchOf10: number; consumerPerMessage: number };
}

const METHOD =
  'handler-level in the bench process, ReturnConsumedCapacity=TOTAL on DynamoDB Local; ' +
  'wcu/rcu = AWS-billed estimate: non-transactional units as reported + for TransactWriteItems 2 per item (AWS bills 2 per ' +
  'item-KB; every item here is ≤ 1 KB) or twice what DynamoDB Local reports when that is more (index writes); ' +
  'wcuLocal/rcuLocal = raw local figures (Local reports a transaction as 2 units per table, whatever its items)';

/** pathParameters for a route like 'GET /chat/group/{room_id}' from values in order. */
function pathParameters(route: string, values: (string | number)[]): Record<string, string> {
  const names = [...route.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  return Object.fromEntries(names.map((name, i) => [name, String(values[i])]));
}

/** The URL path a client calls (with the seed's trailing slash) for a route and its values. */
function urlPath(route: string, values: (string | number)[]): string {
  let i = 0;
  return `${route.split(' ')[1]!.replace(/\{\w+\}/g, () => String(values[i++]))}/`;
}

export async function ddbCosts(config: DdbConfig, log: (line: string) => void): Promise<DdbResult> {
  const declared = declaredFunctions();
  const byName = new Map(declared.map((d) => [d.name, d]));
  const byRoute = new Map(declared.filter((d) => d.route).map((d) => [d.route!, d]));
  const handlers = new Map<string, LambdaHandler>();
  const handlerOf = async (d: FunctionDeclaration) => {
    if (!handlers.has(d.name)) handlers.set(d.name, await loadHandler(d));
    return handlers.get(d.name)!;
  };
  const endpoints: Record<string, EndpointCapacity> = {};
  const measured = new Set<string>();
  const notMeasured: string[] = [];

  /** Invokes the function of `route` and records its capacity under `key`. */
  const measure = async (
    key: string,
    route: string,
    call: { values?: (string | number)[]; query?: Record<string, string>; body?: unknown; label?: string },
    expected: number,
  ): Promise<HandlerAnswer | undefined> => {
    const declaration = byRoute.get(route);
    if (!declaration) {
      notMeasured.push(`${route} (not declared)`);
      return undefined;
    }
    const handler = await handlerOf(declaration);
    const [method, template] = route.split(' ') as [string, string];
    const values = call.values ?? [];
    const query = call.query;
    const { value: answer, capacity, ms } = await measureCapacity(() =>
      invokeHttp(
        handler,
        { method, path: urlPath(route, values), pathParameters: pathParameters(template, values), query, body: call.body },
        declaration.name,
      ),
    );
    measured.add(declaration.name);
    const search = query ? `?${Object.entries(query).map(([k, v]) => `${k}=${k === 'user_id' ? ':id' : v}`).join('&')}` : '';
    endpoints[key] = {
      endpoint: `${method} ${urlPath(route, values.map(() => ':id'))}${search}${call.label ? ` (${call.label})` : ''}`,
      status: answer.status,
      ms: round(ms, 1),
      ...capacity,
    };
    if (answer.status !== expected) {
      log(`  WARNING ${key}: HTTP ${answer.status}, expected ${expected}: ${JSON.stringify(answer.body).slice(0, 300)}`);
    }
    return answer;
  };

  const [alice, bob, carol] = (await createUsers(3, 'ddb')) as [BenchUser, BenchUser, BenchUser];
  const room = await createRoom([alice, bob], 'ddb');
  const text = 'hello there, an ordinary chat message';

  // The empty route (the floor of the user-list bench): no request at all.
  await measure('health', 'GET /health', {}, 200);

  // Users
  await invalidateUserList();
  await measure('usersList', 'GET /users', { label: 'cache miss' }, 200);
  await measure('usersListCached', 'GET /users', { label: 'cache hit' }, 200);
  const username = benchName('created');
  const createdUser = await measure(
    'usersCreate',
    'POST /users',
    { body: { username, password: BENCH_PASSWORD, first_name: 'Bench', last_name: 'User', email: 'bench@example.com', profile: { status: 'Online', status_msg: '' } } },
    201,
  );
  const newId = Number(createdUser?.body?.id);
  if (Number.isInteger(newId) && newId > 0) {
    await measure('userGet', 'GET /users/{id}', { values: [newId] }, 200);
    await measure('userPatch', 'PATCH /users/{id}', { values: [newId], body: { first_name: 'Patched' } }, 200);
    await measure(
      'userReplace',
      'PUT /users/{id}',
      { values: [newId], body: { username, first_name: 'Replaced', last_name: 'User', email: 'bench@example.com', profile: { status: 'Busy', status_msg: '' } } },
      200,
    );
    await measure('authToken', 'POST /auth/token', { body: { username, password: BENCH_PASSWORD } }, 200);
    await measure('userDelete', 'DELETE /users/{id}', { values: [newId] }, 204);
  }

  // Rooms
  await measure('chatroomListAnonymous', 'GET /chat/chatroom', { label: 'anonymous: every group room' }, 200);
  await measure('chatroomList', 'GET /chat/chatroom', { query: { user_id: String(alice.id) } }, 200);
  await measure('chatroomCreate', 'POST /chat/chatroom', { query: { user_id: String(alice.id) }, body: { room_name: benchName('created'), room_member: [{ username: bob.username }] } }, 200);
  await measure('chatroomGet', 'GET /chat/chatroom/{id}', { values: [room.id], query: { user_id: String(alice.id) } }, 200);
  await measure('chatroomJoin', 'PUT /chat/chatroom/{id}', { values: [room.id], query: { user_id: String(carol.id) } }, 200);
  await measure('chatroomMembers', 'GET /chat/chatroom/{id}/members', { values: [room.id], query: { user_id: String(alice.id) } }, 200);
  await measure('chatroomLeave', 'DELETE /chat/chatroom/{id}', { values: [room.id], query: { user_id: String(carol.id) } }, 204);

  // Messages
  const sent = await measure('sendGroup', 'POST /chat/group/{room_id}', { values: [room.id], body: { from: alice.id, text } }, 200);
  const taskId = String(sent?.body?.data ?? '');
  await measure('taskState', 'GET /chat/task_state/{task_id}', { values: [taskId] }, 200);
  const directBody = { from: alice.id, text };
  if (byRoute.has('POST /chat/user/{user_id}')) {
    const send = await handlerOf(byRoute.get('POST /chat/user/{user_id}')!);
    await invokeHttp(send, { method: 'POST', path: `/chat/user/${bob.id}/`, pathParameters: { user_id: String(bob.id) }, body: directBody });
  }
  await measure('sendDirect', 'POST /chat/user/{user_id}', { values: [bob.id], body: directBody, label: 'existing pair' }, 200);

  const consumerDeclaration = byName.get('messageConsumer');
  let consumerCapacity: Capacity | undefined;
  let consumerBatch: { ms: number[]; perMessage: Capacity } | undefined;
  if (consumerDeclaration) {
    const consumer = await handlerOf(consumerDeclaration);
    /** One record per (room, sender), in this order, all in one batch. */
    const batch = async (messages: { roomId: number; senderId: number }[]) => {
      const records: SQSRecord[] = [];
      for (const { roomId, senderId } of messages) {
        const task = newTask({ roomId, senderId });
        await insertTask(task);
        const queued: QueuedMessage = { taskId: task.id, roomId, senderId, text, acceptedAt: task.createdAt };
        records.push(sqsRecord(asciiJson(queued), messageGroupId(roomId), task.id));
      }
      const run = await measureCapacity(() => consumer({ Records: records }, lambdaContext(consumerDeclaration.name)) as Promise<SQSBatchResponse>);
      if (run.value.batchItemFailures.length > 0) throw new Error(`consumer reported failures: ${JSON.stringify(run.value.batchItemFailures)}`);
      for (const record of records) {
        const task = await getTask(JSON.parse(record.body).taskId);
        if (task?.state !== 'SUCCESS') throw new Error(`consumer left task ${task?.id} in ${task?.state}`);
      }
      return run;
    };
    // Its own room: the poller is persisting the API's sends to `room` meanwhile.
    const consumerRoom = await createRoom([alice], 'consumer');
    const one = await batch([{ roomId: consumerRoom.id, senderId: alice.id }]);
    consumerCapacity = one.capacity;
    endpoints.messageConsumer = { endpoint: 'SQS → messageConsumer (1 record)', status: 200, ms: round(one.ms, 1), ...one.capacity };
    measured.add(consumerDeclaration.name);

    const tenRooms: number[] = [];
    for (let i = 0; i < 10; i++) tenRooms.push((await createRoom([alice], 'consumer')).id);
    const ms: number[] = [];
    let last: Capacity | undefined;
    for (let run = 0; run < Math.max(1, config.durationRuns); run++) {
      const result = await batch(tenRooms.map((roomId) => ({ roomId, senderId: alice.id })));
      ms.push(result.ms);
      last = result.capacity;
    }
    const perMessage = scaleCapacity(last!, 1 / 10);
    consumerBatch = { ms, perMessage };
    endpoints.messageConsumerBatch10PerMessage = { endpoint: 'SQS → messageConsumer (batch of 10 rooms), per message', status: 200, ms: round(median(ms) / 10, 1), ...perMessage };

    // One batch of 10 of a new room's records, from 1 sender and from 10.
    for (const [key, count] of [['messageConsumerRoomBatch1Sender', 1], ['messageConsumerRoomBatch10Senders', 10]] as const) {
      const senders = count === 1 ? [alice] : [alice, ...(await createUsers(count - 1, 'consumer'))];
      const busy = await createRoom(senders, 'consumer');
      const full = await batch(Array.from({ length: 10 }, (_, i) => ({ roomId: busy.id, senderId: senders[i % senders.length]!.id })));
      endpoints[key] = { endpoint: `SQS → messageConsumer (batch of 10 of one room, ${count} sender${count === 1 ? '' : 's'}), per message`, status: 200, ms: round(full.ms / 10, 1), ...scaleCapacity(full.capacity, 1 / 10) };
    }

    // A busy room's steady state: past its first 100 messages every stored one pushes an older one
    // out of the room's recent senders, and nobody here ever reads: the most membership writes.
    const { senders: senderCount, messages: busyMessages } = config.busyRoom;
    const busySenders = await createUsers(senderCount, 'busy');
    const busy = await createRoom(busySenders, 'busy');
    const order = shuffledRounds(senderCount, busyMessages);
    let total: Capacity | undefined;
    let busyMs = 0;
    for (let sent = 0; sent < busyMessages; sent += 10) {
      const run = await batch(order.slice(sent, sent + 10).map((i) => ({ roomId: busy.id, senderId: busySenders[i]!.id })));
      total = total ? addCapacity(total, run.capacity) : run.capacity;
      busyMs += run.ms;
    }
    endpoints.messageConsumerBusyRoom = {
      endpoint: `SQS → messageConsumer (${busyMessages} msgs of one room from ${senderCount} senders who never read, batches of 10), per message`,
      status: 200,
      ms: round(busyMs / busyMessages, 1),
      ...scaleCapacity(total!, 1 / busyMessages),
    };
    log(`  busy room: ${busyMessages} messages from ${senderCount} senders through the consumer`);
  }

  // History (issue 5)
  const history = 'GET /chat/messages/{room_id}';
  if (byRoute.has(history) && config.historyRoom) {
    const { roomId, member, size } = config.historyRoom;
    await measure('messagesList', history, { values: [roomId], query: { user_id: String(member.id), limit: String(config.pageSize) }, label: `newest ${config.pageSize} of ${size}` }, 200);
  } else {
    notMeasured.push(`${history} (${byRoute.has(history) ? 'no history room' : 'not declared'})`);
  }
  const unseen = 'GET /chat/messages/unseen';
  if (byRoute.has(unseen)) await measure('messagesUnseen', unseen, { query: { user_id: String(bob.id) } }, 200);

  // Warm durations for the cost model
  const sendMs: number[] = [];
  const sendDeclaration = byRoute.get('POST /chat/group/{room_id}');
  if (sendDeclaration) {
    const send = await handlerOf(sendDeclaration);
    for (let run = 0; run < config.durationRuns; run++) {
      const started = performance.now();
      await invokeHttp(send, { method: 'POST', path: `/chat/group/${room.id}/`, pathParameters: { room_id: String(room.id) }, body: { from: alice.id, text } });
      sendMs.push(performance.now() - started);
    }
  }

  // A function that reads nothing has no DynamoDB cost to measure.
  for (const d of declared) if (!measured.has(d.name) && !d.readsNothing) notMeasured.push(`${d.name} (${d.route ?? 'no route'})`);
  const sendCapacity = endpoints.sendGroup;
  const endToEnd = sendCapacity && consumerCapacity ? addCapacity(stripEndpoint(sendCapacity), consumerCapacity) : undefined;
  const perMessageEndToEnd = (consumer: EndpointCapacity | undefined) => (sendCapacity && consumer ? addCapacity(stripEndpoint(sendCapacity), stripEndpoint(consumer)) : undefined);
  const endToEndFullBatch = perMessageEndToEnd(endpoints.messageConsumerRoomBatch10Senders);
  const endToEndBusyRoom = perMessageEndToEnd(endpoints.messageConsumerBusyRoom);
  return {
    endpoints,
    messageEndToEnd: { endpoint: 'POST /chat/group/:id/ + consumer (one message)', ...(endToEnd ?? emptyCapacity()) },
    messageEndToEndFullBatch: { endpoint: 'POST /chat/group/:id/ + 1/10 of a batch of one room from 10 senders', ...(endToEndFullBatch ?? emptyCapacity()) },
    messageEndToEndBusyRoom: { endpoint: 'POST /chat/group/:id/ + the consumer per message of the busy room', ...(endToEndBusyRoom ?? emptyCapacity()) },
    notMeasured,
    method: METHOD,
    lambdaMs: {
      sendGroup: round(sendMs.length ? median(sendMs) : Number.NaN, 1),
      consumerBatchOf10: round(consumerBatch ? median(consumerBatch.ms) : Number.NaN, 1),
      consumerPerMessage: round(consumerBatch ? median(consumerBatch.ms) / 10 : Number.NaN, 1),
    },
  };
}

/**
 * `count` sender indexes, every sender once per round of `senders`, each round in its own order (a
 * fixed pseudo-random one): as many senders in flight deliver them, and unlike plain round robin
 * the message leaving the room's recent senders is rarely from a sender of the same batch.
 */
function shuffledRounds(senders: number, count: number): number[] {
  let seed = 0x2f6e2b1;
  const random = () => {
    seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return seed / 2 ** 32;
  };
  const order: number[] = [];
  while (order.length < count) {
    const round = Array.from({ length: senders }, (_, i) => i);
    for (let i = round.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [round[i], round[j]] = [round[j]!, round[i]!];
    }
    order.push(...round);
  }
  return order.slice(0, count);
}

function stripEndpoint(e: EndpointCapacity): Capacity {
  const { endpoint, status, ms, ...capacity } = e;
  return capacity;
}

function emptyCapacity(): Capacity {
  return { requests: 0, rcu: 0, wcu: 0, rcuLocal: 0, wcuLocal: 0, byCommand: {}, transactWriteUnitsLocal: 0, transactWriteItems: 0 };
}
