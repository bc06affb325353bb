/**
 * `npm start`: the whole stack on this machine — DynamoDB Local, fauxqs (SQS), Redis behind an
 * Upstash-compatible REST bridge, the seed users, serverless-offline on $PORT (default 8000, its
 * WebSocket API on $WS_PORT, default PORT+1) and the SQS poller, all on 127.0.0.1.
 *
 * It stops, leaving nothing behind, on SIGINT (Ctrl-C), SIGTERM (IDE stop buttons, `timeout`,
 * supervisors), SIGHUP (the terminal closed) and when its parent (npm) dies. The `start` script
 * execs this file, so npm's forwarded SIGINT/SIGTERM reach it directly, not a shell in between.
 *
 * `LOCAL_AWS=localstack npm start`: DynamoDB and SQS of a running LocalStack (LOCALSTACK_ENDPOINT,
 * default http://localhost:4566) instead of DynamoDB Local and fauxqs.
 * `AUTH_MODE=token npm start`: handlers require a Bearer token instead of `?user_id=`.
 */
import { startLocalStack, localAwsFromEnv, MissingJavaError, type ExternalAws, type LocalStack } from './local-stack.ts';
import { isPortInUse } from './free-port.ts';

const t0 = performance.now();
// A closed terminal turns every write into EIO/EPIPE: that must not stop the shutdown midway.
process.stdout.on('error', () => {});
process.stderr.on('error', () => {});

function portFrom(name: string, fallback: number): number {
  const value = process.env[name] ? Number(process.env[name]) : fallback;
  if (!Number.isInteger(value) || value <= 0 || value > 65535) {
    console.error(`${name} must be a TCP port number, got "${process.env[name]}"`);
    process.exit(1);
  }
  return value;
}
const port = portFrom('PORT', 8000);
const websocketPort = portFrom('WS_PORT', port + 1);

// 127.0.0.1 is where serverless-offline listens; ::1 matters because `localhost` may resolve to it
// first (clients then fall back to 127.0.0.1 — unless something else answers on [::1]:PORT).
for (const [name, value] of [['PORT', port], ['WS_PORT', websocketPort]] as const) {
  if ((await isPortInUse(value, '127.0.0.1')) || (await isPortInUse(value, '::1'))) {
    console.error(
      `\nPort ${value} (${name}) is already in use — is another \`npm start\` running?\n` +
        `Stop whatever listens there (e.g. \`ss -ltnp 'sport = :${value}'\` shows it) or pick other ports: PORT=8002 npm start (WebSocket on PORT+1, or WS_PORT=…)\n`,
    );
    process.exit(1);
  }
}

// ---- web client (local/web-server.ts): WEB_PORT, default 8080 ----
const webPort = Number(process.env.WEB_PORT ?? 8080);
if (!Number.isInteger(webPort) || webPort <= 0 || webPort > 65535 || webPort === port) {
  console.error(`WEB_PORT must be a TCP port number other than PORT, got "${process.env.WEB_PORT}"`);
  process.exit(1);
}
if (await isPortInUse(webPort, '127.0.0.1')) {
  console.error(`\nPort ${webPort} (the web client) is already in use. Pick another: WEB_PORT=8081 npm start\n`);
  process.exit(1);
}
// ---- end web client ----

let aws: ExternalAws | undefined;
try {
  aws = localAwsFromEnv();
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
const authMode = process.env.AUTH_MODE ?? 'query';
if (authMode !== 'query' && authMode !== 'token') {
  console.error(`AUTH_MODE must be query or token, got "${authMode}"`);
  process.exit(1);
}

let ready = false;
const pending: string[] = [];
const log = (line: string): void => {
  // serverless-offline's own output (route table, request logs) is shown once we are ready.
  if (line.startsWith('[offline] ')) {
    if (ready) console.log(line.slice('[offline] '.length));
    else pending.push(line);
    return;
  }
  console.error(line);
};

const starting = new AbortController();
let stack: LocalStack | undefined;
let startup: Promise<LocalStack> | undefined;
let stopping = false;
let stoppingSince = 0;

/** A user's second signal, a while after the first, means "now". */
const REPEAT_MEANS_NOW_MS = 1000;

async function shutdown(reason: string, repeatable = true): Promise<void> {
  if (stopping) {
    // Ctrl-C in a terminal reaches this process twice (from the terminal and forwarded by npm),
    // and npm exiting meanwhile is no reason to hurry either.
    if (!repeatable || performance.now() - stoppingSince < REPEAT_MEANS_NOW_MS) return;
    console.error(`\n${reason} again: killing everything now.`);
    process.exit(130); // the exit hooks SIGKILL every child
  }
  stopping = true;
  stoppingSince = performance.now();
  console.error(`\n${reason}: stopping the local stack…`);
  try {
    starting.abort();
    await (stack ?? (await startup?.catch(() => undefined)))?.stop();
    console.error('Stopped. Nothing left running.');
    process.exit(0);
  } catch (err) {
    console.error('Error while stopping:', err);
    process.exit(1);
  }
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutdown(signal));

// npm gone (killed, or its terminal closed and took it along): we are re-parented, stop too.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) void shutdown(`parent process ${parent} exited`, false);
}, 200).unref();

try {
  startup = startLocalStack({ stage: 'local', httpPort: port, websocketPort, webPort, seedUsers: true, verbose: true, log, aws, authMode, signal: starting.signal });
  stack = await startup;
} catch (err) {
  if (stopping) await new Promise(() => {}); // shutdown() exits
  if (err instanceof MissingJavaError) {
    console.error(`\n${err.message}\n`);
  } else {
    if (pending.length) console.error(pending.map((l) => l.slice('[offline] '.length)).join('\n'));
    console.error('\nThe local stack failed to start:\n', err);
  }
  process.exit(1);
}

if (!stopping) {
  for (const line of pending) console.log(line.slice('[offline] '.length));
  pending.length = 0;
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  const url = `http://localhost:${port}`;
  const websocket = `ws://localhost:${websocketPort}/?${authMode === 'query' ? 'user_id=1' : 'token=<access token>'}`;
  const cache = stack.env.UPSTASH_REDIS_REST_URL
    ? `Redis via ${stack.env.UPSTASH_REDIS_REST_URL} (user-list cache and rate limits)`
    : 'OFF: no user-list cache and NO RATE LIMITS (redis-server not installed)';
  console.error(
    [
      '',
      ...stack.warnings,
      '──────────────────────────────────────────────────────────────────────',
      `  chat-serverless is running on ${url}   (ready in ${seconds} s)`,
      `  WebSocket API: ${websocket}`,
      `  Web client: http://localhost:${webPort}/`,
      '',
      '  Try:',
      `    curl ${url}/users/`,
      `    curl ${url}/users/1`,
      '',
      `  Seed users: user_1 … user_15, password Passw0rd!`,
      aws
        ? `  ${aws.label}: DynamoDB ${stack.env.AWS_ENDPOINT_URL_DYNAMODB}   SQS ${stack.env.AWS_ENDPOINT_URL_SQS}`
        : `  DynamoDB Local: ${stack.env.AWS_ENDPOINT_URL_DYNAMODB}   SQS (fauxqs): ${stack.env.AWS_ENDPOINT_URL_SQS}`,
      `  Cache: ${cache}`,
      `  Auth: ${authMode === 'query' ? '?user_id= (query)' : 'Bearer token (POST /auth/token)'}   Everything listens on 127.0.0.1 only${stack.exposed.length ? ` EXCEPT ${stack.exposed.join(', ')} (see above)` : ''}.`,
      aws
        ? `  Data stays in ${aws.label} after you stop (tables and queues are reused). Ctrl-C to stop.`
        : '  Everything is in memory and is gone when you stop. Ctrl-C to stop.',
      '──────────────────────────────────────────────────────────────────────',
      '',
    ].join('\n'),
  );
  ready = true;
}
