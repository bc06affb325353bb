/**
 * `npm start`: the whole stack on this machine — DynamoDB Local, fauxqs (SQS), Redis behind an
 * Upstash-compatible REST bridge, the seed users, serverless-offline on $PORT (default 8000) and
 * the SQS poller. Ctrl-C stops everything.
 *
 * `LOCAL_AWS=localstack npm start`: the same, with DynamoDB and SQS of a running LocalStack
 * (LOCALSTACK_ENDPOINT, default http://localhost:4566) instead of DynamoDB Local and fauxqs.
 * `AUTH_MODE=token npm start`: handlers require a Bearer token instead of `?user_id=`.
 */
import { startLocalStack, localAwsFromEnv, MissingJavaError, type ExternalAws, type LocalStack } from './local-stack.ts';
import { isPortInUse } from './free-port.ts';

const t0 = performance.now();
const port = Number(process.env.PORT ?? 8000);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error(`PORT must be a TCP port number, got "${process.env.PORT}"`);
  process.exit(1);
}

// 127.0.0.1 is where serverless-offline listens; ::1 matters because `localhost` may resolve to it
// first (clients then fall back to 127.0.0.1 — unless something else answers on [::1]:PORT).
if ((await isPortInUse(port, '127.0.0.1')) || (await isPortInUse(port, '::1'))) {
  console.error(
    `\nPort ${port} is already in use — is another \`npm start\` running?\n` +
      `Stop whatever listens there (e.g. \`ss -ltnp 'sport = :${port}'\` shows it) or pick another port: PORT=8001 npm start\n`,
  );
  process.exit(1);
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

let stack: LocalStack | undefined;
let stopping = false;

async function shutdown(signal: string): Promise<void> {
  if (stopping) {
    console.error(`\n${signal} again: killing everything now.`);
    process.exit(130); // the exit handler in local-stack SIGKILLs every child
  }
  stopping = true;
  console.error(`\n${signal}: stopping the local stack…`);
  try {
    await stack?.stop();
    console.error('Stopped. Nothing left running.');
    process.exit(0);
  } catch (err) {
    console.error('Error while stopping:', err);
    process.exit(1);
  }
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGHUP', () => void shutdown('SIGHUP'));

try {
  stack = await startLocalStack({ stage: 'local', httpPort: port, seedUsers: true, verbose: true, log, aws, authMode, webPort });
} catch (err) {
  if (err instanceof MissingJavaError) {
    console.error(`\n${err.message}\n`);
  } else {
    if (pending.length) console.error(pending.map((l) => l.slice('[offline] '.length)).join('\n'));
    console.error('\nThe local stack failed to start:\n', err);
  }
  process.exit(1);
}

if (stopping) {
  // Ctrl-C arrived while starting: shutdown() is already running.
} else {
  for (const line of pending) console.log(line.slice('[offline] '.length));
  pending.length = 0;
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  const url = `http://localhost:${port}`;
  const cache = stack.env.UPSTASH_REDIS_REST_URL ? `Redis via ${stack.env.UPSTASH_REDIS_REST_URL}` : 'OFF (redis-server not installed)';
  console.error(
    [
      '',
      '──────────────────────────────────────────────────────────────────────',
      `  chat-serverless is running on ${url}   (ready in ${seconds} s)`,
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
      `  Cache: ${cache}   Auth: ${authMode === 'query' ? '?user_id= (query)' : 'Bearer token (POST /auth/token)'}`,
      aws
        ? `  Data stays in ${aws.label} after you stop (tables and queues are reused). Ctrl-C to stop.`
        : '  Everything is in memory and is gone when you stop. Ctrl-C to stop.',
      '──────────────────────────────────────────────────────────────────────',
      '',
    ].join('\n'),
  );
  ready = true;
}
