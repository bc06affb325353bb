/**
 * The local stack: DynamoDB Local, fauxqs (SQS), Redis behind an Upstash-REST bridge, the
 * resources from infra/definitions.json, optionally the seed users, serverless-offline (HTTP and
 * WebSocket APIs), the SQS poller and the chat table's stream poller (live delivery). One runner for `npm start`, vitest's global setup and the benchmark.
 *
 * It is a list of services (SERVICES below), each started as soon as the ones it needs are up —
 * independent ones in parallel — and stopped in the reverse order. Adding one is one entry there.
 * Every service listens on 127.0.0.1 and gets a free port, so parallel runs do not collide.
 *
 * With `aws` (LOCAL_AWS=localstack, see localAwsFromEnv) DynamoDB and SQS are those of a running
 * LocalStack instead: nothing is started for them, and tables and queues are created only if
 * missing (LocalStack's own init hook, localstack/init/ready.d/, creates the same ones).
 */
import { randomBytes } from 'node:crypto';
import { startDynamoDbLocal } from './dynamodb-local.ts';
import { freePorts } from './free-port.ts';
import { waitForExternalAws, type ExternalAws } from './localstack.ts';
import { startUpstashCache, upstashCacheEnv } from './redis.ts';
import { createResources, onEndpoint, resourceNames, type ResourceNames } from './resources.ts';
import { startServerlessOffline } from './serverless-offline.ts';
import { startSqsEmulator } from './sqs-emulator.ts';
import { startSqsPoller } from './sqs-poller.ts';
import { startWebServer } from './web-server.ts';
import { lambdaInvoker, startStreamPoller } from './stream-poller.ts';

export { MissingJavaError } from './dynamodb-local.ts';
export { localAwsFromEnv, LOCALSTACK_DEFAULT_ENDPOINT, type ExternalAws } from './localstack.ts';

export interface LocalStackOptions {
  stage?: string;
  /** serverless-offline HTTP port; 0 = pick a free port. Default 0. */
  httpPort?: number;
  /** serverless-offline WebSocket port; 0 = pick a free port. Default 0. */
  websocketPort?: number;
  /** Start serverless-offline (default true). */
  offline?: boolean;
  /** Start the SQS poller (default: same as offline). */
  poller?: boolean;
  /** Start the chat table's stream poller that feeds the fan-out function (default: same as offline). */
  streamPoller?: boolean;
  /** Create user_1 … user_15 (default false). */
  seedUsers?: boolean;
  /** Progress lines; default console.error. */
  log?: (line: string) => void;
  /** Also pass serverless-offline's own output to `log` (default false; always shown on failure). */
  verbose?: boolean;
  /**
   * Use DynamoDB and SQS endpoints that are already running (LocalStack: see localAwsFromEnv)
   * instead of starting DynamoDB Local and fauxqs. Tables and queues are created only if missing.
   */
  aws?: ExternalAws;
  /** AUTH_MODE of the handlers (default `query`, the seed's `?user_id=`). */
  authMode?: 'query' | 'token';
  /** Aborting it while starting stops what was started and rejects. */
  signal?: AbortSignal;
  /** Serve the web client (local/web-server.ts) on this port, 0 = a free one; unset: not served. Needs offline. */
  webPort?: number;
}

export interface LocalStack {
  /** Every variable a handler needs to reach these services. */
  env: Record<string, string>;
  /** e.g. http://127.0.0.1:8000 when offline is on. */
  httpUrl?: string;
  /** serverless-offline's Lambda invoke endpoint base (POST {lambdaUrl}/2015-03-31/functions/{name}/invocations). */
  lambdaUrl?: string;
  /** serverless-offline's WebSocket API, e.g. ws://127.0.0.1:8001, when offline is on. */
  websocketUrl?: string;
  /** The web client, when `webPort` was given, e.g. http://127.0.0.1:8080 */
  webUrl?: string;
  /** What works less well than it should on this machine (banners already logged at start). */
  warnings: string[];
  /** Services that are reachable from other hosts too (empty unless a warning says why). */
  exposed: string[];
  /** Seconds from the call to each service being up, in the order they came up. */
  timings: Array<{ service: string; seconds: number }>;
  /** Idempotent; stops every service, leaves no process behind. */
  stop(): Promise<void>;
}

const SERVICE = 'chat';
const REGION = 'us-east-1';

/** What the services share while the stack starts: options, ports, and the handlers' environment as it fills up. */
interface StackContext {
  options: LocalStackOptions;
  stage: string;
  ports: { dynamodb: number; sqs: number; redis: number; bridge: number; http: number; lambda: number; websocket: number };
  /** The Upstash bridge's token, known before it starts. */
  bridgeToken: string;
  env: Record<string, string>;
  log: (line: string) => void;
  /** Set by services for the result. */
  result: { httpUrl?: string; lambdaUrl?: string; websocketUrl?: string; webUrl?: string };
  warnings: string[];
  exposed: string[];
  /** The LocalStack probe, shared by the dynamodb and sqs services in that mode. */
  external?: Promise<void>;
  /** True once stop() was called: services stop logging. */
  stopping: boolean;
  /** Aborted by stop(): services still starting give up at once. */
  signal: AbortSignal;
}

interface LocalService {
  name: string;
  /** Services that must be up before this one starts. */
  after?: string[] | ((ctx: StackContext) => string[]);
  enabled?(ctx: StackContext): boolean;
  /** Resolves once the service answers; what it returns is called on stop. */
  start(ctx: StackContext): Promise<(() => Promise<void>) | void>;
}

const externalAws = (ctx: StackContext): Promise<void> =>
  (ctx.external ??= waitForExternalAws(ctx.options.aws!, ctx.signal).then(() =>
    ctx.log(`local-stack: using ${ctx.options.aws!.label}: DynamoDB ${ctx.env.AWS_ENDPOINT_URL_DYNAMODB}, SQS ${ctx.env.AWS_ENDPOINT_URL_SQS}`),
  ));

/** The services, in no particular order: `after` says what each one needs. */
const SERVICES: LocalService[] = [
  {
    name: 'dynamodb',
    async start(ctx) {
      if (ctx.options.aws) return externalAws(ctx);
      const ddb = await startDynamoDbLocal(ctx.ports.dynamodb, ctx.log, ctx.signal);
      if (ddb.warning) {
        ctx.warnings.push(ddb.warning);
        ctx.exposed.push('DynamoDB Local');
      }
      ctx.log(`local-stack: DynamoDB Local on ${ddb.endpoint}${ddb.warning ? ' (AND EVERY OTHER INTERFACE)' : ''}`);
      return ddb.stop;
    },
  },
  {
    name: 'sqs',
    async start(ctx) {
      if (ctx.options.aws) return externalAws(ctx);
      const sqs = await startSqsEmulator(ctx.ports.sqs);
      return sqs.stop;
    },
  },
  {
    name: 'cache',
    async start(ctx) {
      const plan = { redisPort: ctx.ports.redis, bridgePort: ctx.ports.bridge, token: ctx.bridgeToken };
      const cache = await startUpstashCache(plan, (line) => ctx.stopping || ctx.log(line), ctx.signal);
      if (cache.env.UPSTASH_REDIS_REST_URL !== ctx.env.UPSTASH_REDIS_REST_URL) throw new Error(`the Upstash bridge is at ${cache.env.UPSTASH_REDIS_REST_URL}, not ${ctx.env.UPSTASH_REDIS_REST_URL}`);
      if (cache.warning) ctx.warnings.push(cache.warning);
      else ctx.log(`local-stack: Redis on 127.0.0.1:${cache.redisPort}, Upstash REST bridge on ${cache.env.UPSTASH_REDIS_REST_URL}`);
      return cache.stop;
    },
  },
  {
    name: 'queues',
    after: ['sqs'],
    async start(ctx) {
      const queues = await createResources(ctx.env, { tables: false });
      const urls = {
        MESSAGE_QUEUE_URL: onEndpoint(queues.messageQueueUrl, ctx.env.AWS_ENDPOINT_URL_SQS!),
        DEAD_LETTER_QUEUE_URL: onEndpoint(queues.deadLetterQueueUrl, ctx.env.AWS_ENDPOINT_URL_SQS!),
      };
      for (const [name, url] of Object.entries(urls)) {
        // Built in: serverless-offline already started with the URL fauxqs gives every queue.
        if (ctx.env[name] && ctx.env[name] !== url) throw new Error(`${name} is ${url}, not the expected ${ctx.env[name]}`);
        ctx.env[name] = url;
      }
      const names = resourceNames(ctx.stage);
      ctx.log(`local-stack: SQS on ${ctx.env.AWS_ENDPOINT_URL_SQS}, queues ${names.messageQueue} → ${names.deadLetterQueue}`);
    },
  },
  {
    name: 'tables',
    after: ['dynamodb'],
    async start(ctx) {
      await createResources(ctx.env, { queues: false });
    },
  },
  {
    name: 'seed',
    after: ['tables', 'cache'],
    enabled: (ctx) => ctx.options.seedUsers ?? false,
    async start(ctx) {
      // lib reads its configuration once, at import: set the environment first.
      Object.assign(process.env, ctx.env);
      const { seedUsers } = await import('../lib/users/seed.ts');
      await seedUsers();
    },
  },
  {
    name: 'offline',
    // The slow one (osls loads a large framework): with the built-in emulators the handlers'
    // environment is complete before anything runs, so it starts first, while the others come up.
    // LocalStack's queue URLs are only known once asked for.
    after: (ctx) => (ctx.options.aws ? ['queues'] : []),
    enabled: (ctx) => ctx.options.offline ?? true,
    async start(ctx) {
      const offline = await startServerlessOffline({
        stage: ctx.stage,
        httpPort: ctx.ports.http,
        lambdaPort: ctx.ports.lambda,
        websocketPort: ctx.ports.websocket,
        env: ctx.env,
        log: ctx.log,
        verbose: ctx.options.verbose ?? false,
        signal: ctx.signal,
      });
      Object.assign(ctx.result, { httpUrl: offline.httpUrl, lambdaUrl: offline.lambdaUrl, websocketUrl: offline.websocketUrl });
      return offline.stop;
    },
  },
  {
    name: 'poller',
    after: ['offline', 'queues'],
    enabled: (ctx) => ctx.options.poller ?? ctx.options.offline ?? true,
    async start(ctx) {
      const functionName = `${SERVICE}-${ctx.stage}-messageConsumer`;
      const poller = startSqsPoller({ queueUrl: ctx.env.MESSAGE_QUEUE_URL!, lambdaInvokeUrl: ctx.result.lambdaUrl!, functionName, log: ctx.log });
      ctx.log(`local-stack: SQS poller → ${functionName}`);
      return () => poller.stop();
    },
  },
  {
    // Live delivery (docs/realtime.md): the chat table's stream feeds the fan-out function, as
    // the deployed event source mapping does, with the same filter.
    name: 'stream-poller',
    after: ['offline', 'tables'],
    enabled: (ctx) => ctx.options.streamPoller ?? ctx.options.offline ?? true,
    async start(ctx) {
      const functionName = `${SERVICE}-${ctx.stage}-realtimeFanout`;
      const poller = startStreamPoller({
        dynamodbEndpoint: ctx.env.AWS_ENDPOINT_URL_DYNAMODB!,
        tableName: ctx.env.CHAT_TABLE!,
        deliver: lambdaInvoker(ctx.result.lambdaUrl!, functionName),
        log: ctx.log,
      });
      await poller.ready;
      ctx.log(`local-stack: stream poller ${ctx.env.CHAT_TABLE} → ${functionName}`);
      return () => poller.stop();
    },
  },
  {
    // The web client (web/), configured for this stack's HTTP and WebSocket APIs.
    name: 'web',
    after: ['offline'],
    enabled: (ctx) => ctx.options.webPort !== undefined && (ctx.options.offline ?? true),
    async start(ctx) {
      const config = { apiUrl: ctx.result.httpUrl!, wsUrl: ctx.result.websocketUrl ?? null, authMode: ctx.options.authMode ?? 'query' };
      const web = await startWebServer({ port: ctx.options.webPort!, config, log: ctx.log });
      ctx.result.webUrl = web.url;
      ctx.log(`local-stack: web client on ${web.url}`);
      return () => web.stop();
    },
  },
];

const secondsSince = (t0: number): number => Math.round((performance.now() - t0) / 100) / 10;

export async function startLocalStack(opts: LocalStackOptions = {}): Promise<LocalStack> {
  const t0 = performance.now();
  const stage = opts.stage ?? 'local';
  const log = opts.log ?? ((line: string) => console.error(line));
  const names = resourceNames(stage);
  // Never one of the ports asked for: nothing listens there yet, so the OS could hand it out.
  const asked = [opts.httpPort, opts.websocketPort].filter((port): port is number => Boolean(port && port > 0));
  const [dynamodb, sqs, redis, bridge, httpFree, lambda, websocketFree] = await freePorts(7, '127.0.0.1', asked);
  const external = opts.aws;
  const bridgeToken = randomBytes(24).toString('base64url');
  const websocketPort = opts.websocketPort && opts.websocketPort > 0 ? opts.websocketPort : websocketFree!;
  const starting = new AbortController();
  const ctx: StackContext = {
    options: opts,
    stage,
    bridgeToken,
    ports: {
      dynamodb: dynamodb!,
      sqs: sqs!,
      redis: redis!,
      bridge: bridge!,
      http: opts.httpPort && opts.httpPort > 0 ? opts.httpPort : httpFree!,
      lambda: lambda!,
      websocket: websocketPort,
    },
    log,
    result: {},
    warnings: [],
    exposed: [],
    stopping: false,
    signal: starting.signal,
    env: {
      STAGE: stage,
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
      // LocalStack's documented dummy credentials (account 000000000000, as its init hook uses).
      AWS_ACCESS_KEY_ID: external ? 'test' : 'local',
      AWS_SECRET_ACCESS_KEY: external ? 'test' : 'local',
      // All known before the services are up, so serverless-offline can start first.
      AWS_ENDPOINT_URL_DYNAMODB: external ? external.dynamodbEndpoint : `http://127.0.0.1:${dynamodb}`,
      AWS_ENDPOINT_URL_SQS: external ? external.sqsEndpoint : `http://127.0.0.1:${sqs}`,
      CHAT_TABLE: names.chatTable,
      TASKS_TABLE: names.tasksTable,
      ...(external ? { MESSAGE_QUEUE_URL: '', DEAD_LETTER_QUEUE_URL: '' } : fauxqsQueueUrls(`http://127.0.0.1:${sqs}`, names)),
      ...upstashCacheEnv({ redisPort: redis!, bridgePort: bridge!, token: bridgeToken }),
      AUTH_MODE: opts.authMode ?? 'query',
      // Random per run: tokens of one run are worthless in any other (AUTH_MODE=token).
      AUTH_TOKEN_SECRET: randomBytes(32).toString('base64url'),
      LOG_LEVEL: process.env.LOG_LEVEL ?? (process.env.VITEST ? 'WARN' : 'INFO'),
      // Where functions post to WebSocket connections: serverless-offline's management endpoint,
      // which has no stage prefix (TOOLCHAIN.md).
      WEBSOCKET_MANAGEMENT_ENDPOINT: `http://127.0.0.1:${websocketPort}`,
    },
  };

  const services = SERVICES.filter((s) => s.enabled?.(ctx) ?? true);
  const enabled = new Set(services.map((s) => s.name));
  const stops: Array<{ name: string; stop: () => Promise<void> }> = [];
  const timings: LocalStack['timings'] = [];
  const up = new Map<string, Promise<void>>();

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    ctx.stopping = true;
    starting.abort();
    stopping ??= (async () => {
      // Whatever is still starting gives up (aborted) or finishes first, so nothing is left after.
      await Promise.allSettled(up.values());
      for (const { name, stop: stopService } of stops.reverse()) {
        try {
          await stopService();
        } catch (err) {
          log(`local-stack: stopping ${name} failed: ${(err as Error).message}`);
        }
      }
    })();
    return stopping;
  };

  const aborted = new Promise<never>((_, reject) => {
    const abort = () => reject(new Error('the local stack was stopped while it started'));
    if (opts.signal?.aborted) abort();
    opts.signal?.addEventListener('abort', abort, { once: true });
  });
  aborted.catch(() => {});

  const startService = (service: LocalService): Promise<void> => {
    let started = up.get(service.name);
    if (!started) {
      started = (async () => {
        const after = typeof service.after === 'function' ? service.after(ctx) : (service.after ?? []);
        await Promise.all(after.filter((name) => enabled.has(name)).map((name) => startService(byName(services, name))));
        if (ctx.stopping || opts.signal?.aborted) throw new Error('stopped');
        const stopService = await service.start(ctx);
        if (stopService) stops.push({ name: service.name, stop: stopService });
        timings.push({ service: service.name, seconds: secondsSince(t0) });
      })();
      up.set(service.name, started);
    }
    return started;
  };

  try {
    await Promise.race([Promise.all(services.map(startService)), aborted]);
  } catch (err) {
    await stop();
    throw err;
  }
  const summary = timings.map((t) => `${t.service} ${t.seconds}`).join(', ');
  log(`local-stack: ready in ${secondsSince(t0)} s (each service up at: ${summary} s)`);
  return { env: ctx.env, ...ctx.result, warnings: ctx.warnings, exposed: ctx.exposed, timings, stop };
}

/** The URLs fauxqs gives the queues (its account id is LocalStack's), on our endpoint. */
function fauxqsQueueUrls(endpoint: string, names: ResourceNames): { MESSAGE_QUEUE_URL: string; DEAD_LETTER_QUEUE_URL: string } {
  return { MESSAGE_QUEUE_URL: `${endpoint}/000000000000/${names.messageQueue}`, DEAD_LETTER_QUEUE_URL: `${endpoint}/000000000000/${names.deadLetterQueue}` };
}

function byName(services: LocalService[], name: string): LocalService {
  const service = services.find((s) => s.name === name);
  if (!service) throw new Error(`local-stack: no service named ${name}`);
  return service;
}
