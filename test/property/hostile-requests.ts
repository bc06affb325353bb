import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SQSRecord } from 'aws-lambda';
import { functionFiles, httpFunctions, importFunction, type HttpFunction } from '../trust/routes.ts';
import { checkLambdaAnswer, httpEvent, lambdaContext } from '../support/lambda.ts';
import { HOSTILE_FRAME_FUNCTIONS } from '../realtime/covered.ts';

/**
 * Random and hostile requests at every handler in functions/ (handler level). Whatever comes in:
 * never a 5xx, always a JSON body (problem+json for ≥ 400), no prototype pollution, and a rejected
 * request (4xx) leaves both tables exactly as they were.
 *
 * Imported by one test file per auth mode (handlers-query.test.ts, handlers-token.test.ts), each
 * with its own module registry and AUTH_MODE set before the import. Each runs on tables and queues
 * of its own (a private stage), so the before/after snapshots see only its own writes, and no
 * poller consumes what it queues.
 */
const stage = `prop${randomUUID().slice(0, 8)}`;
Object.assign(process.env, {
  STAGE: stage,
  CHAT_TABLE: `chat-${stage}`,
  TASKS_TABLE: `chat-${stage}-tasks`,
  // Limits would turn most sends and logins into 429 and hide the paths behind them.
  RATE_LIMIT_SENDS: 'off',
  RATE_LIMIT_LOGINS_PER_USER: 'off',
  RATE_LIMIT_LOGINS_PER_IP: 'off',
});
const { createResources, onEndpoint } = await import('../../local/resources.ts');
const queues = await createResources({ ...process.env } as Record<string, string>);
process.env.MESSAGE_QUEUE_URL = onEndpoint(queues.messageQueueUrl, process.env.AWS_ENDPOINT_URL_SQS!);

const TOKEN_MODE = process.env.AUTH_MODE === 'token';

const { ScanCommand } = await import('../../lib/aws/dynamodb.ts');
const { ddb, tables } = await import('../../lib/repository/client.ts');
const { createUser } = await import('../../lib/users/service.ts');
const { createGroupRoom, findOrCreateDirectRoom } = await import('../../lib/rooms/service.ts');
const { SignJWT } = await import('jose');
const { issueToken } = await import('../../lib/auth/tokens.ts');

/** Runs per handler; PROPERTY_RUNS=500 for a longer hunt. */
const RUNS = Number(process.env.PROPERTY_RUNS ?? 50);
/** A timed-out property would go on writing in the background and break the next one's snapshots. */
const TIMEOUT_MS = Math.max(60_000, RUNS * 2_000);
const routes = httpFunctions();

/** Every item of both tables, but the id counters: a rejected create may use up an id, as a database sequence does. */
async function snapshot(): Promise<string[]> {
  const items: string[] = [];
  for (const table of [tables.chat, tables.tasks]) {
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await ddb.send(new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey }));
      for (const item of page.Items ?? []) if (!String(item.PK).startsWith('COUNTER#')) items.push(`${table} ${JSON.stringify(item, Object.keys(item).sort())}`);
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  }
  return items.sort();
}

// ---- arbitraries -------------------------------------------------------------------------------

/** Users 1..6 (1 and 2 share a group room, 1 and 3 a direct room; the other pairs are new). */
const SEEDED_USERS = 6;
const seedNames = { alice: uniqueUsername('alice'), bob: uniqueUsername('bob'), carol: uniqueUsername('carol') };

/** Token mode: Bearer tokens of the seeded users (ids 1..6) and of nobody, expired ones, forged ones. */
async function bearerValues(): Promise<{ valid: string[]; invalid: string[] }> {
  if (!TOKEN_MODE) return { valid: [], invalid: [] };
  const valid = await Promise.all(Array.from({ length: SEEDED_USERS + 1 }, async (_, i) => `Bearer ${(await issueToken(i + 1)).token}`));
  const sign = (key: string, expiresAt: number) =>
    new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('1').setIssuer('chat-serverless').setIssuedAt(expiresAt - 900).setExpirationTime(expiresAt).sign(new TextEncoder().encode(key));
  const now = Math.floor(Date.now() / 1000);
  const invalid = [
    `Bearer ${await sign(process.env.AUTH_TOKEN_SECRET!, now - 60)}`,
    `Bearer ${await sign('another-secret-that-is-long-enough-0123456789', now + 600)}`,
    `${valid[0]}x`,
    valid[0]!.replace('Bearer ', 'Basic '),
  ];
  return { valid, invalid };
}
const bearers = await bearerValues();
/** The Authorization header of a request: in token mode mostly a seeded user's valid token. */
const authorization: fc.Arbitrary<Record<string, string>> = TOKEN_MODE
  ? fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...bearers.valid).map((value) => ({ authorization: value })) },
      { weight: 1, arbitrary: fc.constantFrom(...bearers.invalid).map((value) => ({ authorization: value })) },
      { weight: 1, arbitrary: fc.constant({}) },
    )
  : fc.constant({});
function uniqueUsername(prefix: string) {
  return `${prefix}_${randomUUID().slice(0, 6)}`;
}

const nastyText = fc.constantFrom(
  '',
  ' ',
  '\u0000',
  '\uffff',
  '\ud800',
  '😀',
  '__proto__',
  'constructor',
  'toString',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  '${jndi:ldap://x/a}',
  '../../etc/passwd',
  'NaN',
  'Infinity',
  '-0',
  '1e309',
  'user_1',
  'Passw0rd!',
  'Online',
  'past',
  'true',
);
const hugeText = fc.constantFrom(150, 151, 255, 256, 257, 4000, 4001, 20_000, 70_000).chain((n) => fc.constantFrom('x', 'é', '😀', ' ').map((c) => c.repeat(n)));
const anyString = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 20 }), nastyText);
const anyNumber = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -1, 1, 2, 3, 1.5, 1e20, 2 ** 53, Number.MAX_SAFE_INTEGER, -0));
const anyValue = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 3, arbitrary: anyString },
  { weight: 2, arbitrary: anyNumber },
  { weight: 1, arbitrary: hugeText },
  { weight: 1, arbitrary: fc.constantFrom(true, false, null, [], {}, [1], { username: 'user_1' }) },
);

/** Ids as text: existing (the seeded rows are ids 1..6), unknown, and not ids at all. */
const idText = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: SEEDED_USERS }).map(String) },
  fc.constantFrom('7', '99'),
  fc.constantFrom('0', '-1', '01', '1.5', '1e3', ' 1', '1 ', '+1', '0x1', '9007199254740992', '99999999999999999999', '١', ''),
  fc.nat().map(String),
  anyString,
);
const taskIdText = fc.oneof(fc.uuid().map(String), fc.uuid().map((id) => id.toUpperCase()), anyString);

/** Field values that get past validation often enough to reach the service code behind it. */
const plausible = {
  from: fc.oneof(fc.integer({ min: 1, max: SEEDED_USERS }), fc.constantFrom('1', '2', 7, 99)),
  text: fc.oneof(fc.string({ minLength: 1, maxLength: 30 }), fc.constantFrom('hi', 'hello')),
  username: fc.oneof(fc.constantFrom(seedNames.alice, seedNames.bob, 'user_1'), fc.stringMatching(/^[a-z]{1,10}$/).map(uniqueUsername)),
  password: fc.constantFrom('Passw0rd!', 'wrong'),
  first_name: fc.string({ maxLength: 10 }),
  last_name: fc.string({ maxLength: 10 }),
  email: fc.constantFrom('', 'a@b.co', 'not-an-email'),
  profile: fc.record({ status: fc.constantFrom('Online', 'Busy', 'Offline', 'online'), status_msg: fc.oneof(fc.string({ maxLength: 10 }), anyValue) }, { requiredKeys: [] }),
  room_name: fc.stringMatching(/^[a-z]{1,8}$/).map((name) => `room_${name}_${randomUUID().slice(0, 4)}`),
  room_member: fc.array(fc.record({ username: fc.oneof(fc.constantFrom(seedNames.alice, seedNames.bob, seedNames.carol, 'nobody'), anyValue) }), { maxLength: 5 }),
};
const fieldNames = [...Object.keys(plausible), 'status', 'status_msg', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'id', 'is_direct'];

const entryOf = fc.constantFrom(...fieldNames).chain((key) =>
  fc.tuple(fc.constant(key), Object.hasOwn(plausible, key) ? fc.oneof({ weight: 3, arbitrary: plausible[key as keyof typeof plausible] as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: anyValue }) : anyValue),
);

/** A JSON object written by hand, so keys like __proto__ arrive as JSON text does, duplicates too. */
const objectOf = (entries: [string, unknown][]) => `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`).join(',')}}`;
const objectText = fc.array(entryOf, { maxLength: 8 }).map(objectOf);

/**
 * A body every endpoint would accept (each reads its own fields, unknown ones are ignored), then up
 * to two hostile entries (a later duplicate key wins in JSON.parse): the paths behind validation.
 */
const nearlyValidText = fc
  .tuple(
    // A password (slow to hash) only in some: the users endpoints hash every one they are given.
    fc.record({ ...plausible, password: fc.constant('Passw0rd!'), profile: fc.constant({ status: 'Online' }) }, { requiredKeys: ['from', 'text', 'username', 'room_name', 'room_member'] }),
    fc.array(entryOf, { maxLength: 2 }),
  )
  .map(([valid, hostile]) => objectOf([...(Object.entries(valid) as [string, unknown][]), ...hostile]));

const deepNesting = fc.constantFrom(100, 5_000, 30_000).chain((depth) =>
  fc.constantFrom('[]', '{}', 'text').map((kind) =>
    kind === '[]' ? '['.repeat(depth) + ']'.repeat(depth) : kind === '{}' ? '{"a":'.repeat(depth) + '1' + '}'.repeat(depth) : `{"from":1,"text":${'['.repeat(depth)}${']'.repeat(depth)}}`,
  ),
);

const pollution = fc.constantFrom(
  '{"__proto__":{"polluted":"yes"},"from":1,"text":"x","username":"p","password":"Passw0rd!"}',
  '{"constructor":{"prototype":{"polluted":"yes"}},"room_name":"x"}',
  '{"profile":{"__proto__":{"polluted":"yes"},"status":"Online"}}',
  '{"room_member":[{"__proto__":{"username":"user_1"}}],"room_name":"y"}',
);

interface Body {
  text: string | undefined;
  base64: boolean;
}

const bodyText: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 6, arbitrary: nearlyValidText },
  { weight: 4, arbitrary: objectText },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)) },
  { weight: 2, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 1, arbitrary: deepNesting },
  { weight: 1, arbitrary: pollution },
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', 'null', 'true', '0', '"x"', '[]', '{', '{"a":1}}', '\u0000') },
);
const body: fc.Arbitrary<Body> = fc.oneof(
  { weight: 8, arbitrary: bodyText.map((text) => ({ text, base64: false })) },
  { weight: 1, arbitrary: bodyText.map((text) => ({ text: text === undefined ? undefined : Buffer.from(text).toString('base64'), base64: true })) },
  // Base64 of bytes that are not UTF-8.
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }).map((bytes) => ({ text: Buffer.from(bytes).toString('base64'), base64: true })) },
);

const queryKey = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('user_id', 'include', 'id', 'username', 'first_name', 'last_name', 'profile__status', 'limit', 'before', 'after', 'seen_by', 'wait') },
  { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', 'user_id[]', '') },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
);
// `wait` only with values that answer at once: a real long poll belongs to its own tests.
const queryEntry = queryKey.chain((key) =>
  fc.tuple(fc.constant(key), key === 'wait' ? fc.constantFrom('0', '-1', '21', 'abc', '', '1e1') : fc.oneof(idText, anyString, fc.constantFrom('past', 'true', '1', 'Online', '100', '101'), hugeText.map((s) => s.slice(0, 3000)))),
);
const query = fc.oneof(
  fc.array(queryEntry, { maxLength: 5 }).map((entries) => Object.fromEntries(entries) as Record<string, string>),
  // An existing acting user, and maybe more.
  fc
    .tuple(fc.integer({ min: 1, max: SEEDED_USERS }).map(String), fc.array(queryEntry, { maxLength: 2 }))
    .map(([userId, entries]) => Object.fromEntries([['user_id', userId], ...entries.filter(([key]) => key !== 'user_id')]) as Record<string, string>),
);

const hostileHeaders = fc.record(
  {
    // A few reused keys: the same key with another payload must be refused (409) with no write.
    'idempotency-key': fc.oneof(fc.constantFrom('k1', 'k2'), fc.uuid().map(String), anyString, fc.constantFrom('k'.repeat(128), 'k'.repeat(129))),
    authorization: fc.oneof(anyString, fc.constant('Bearer abc.def.ghi')),
    'if-none-match': fc.oneof(anyString, fc.constant('*')),
    'content-type': fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', ''),
  },
  { requiredKeys: [] },
);
const headers = fc.oneof(fc.constant({}), fc.constantFrom('k1', 'k2').map((key) => ({ 'idempotency-key': key })), hostileHeaders);

type RequestOf = { pathParams: Record<string, string>; query: Record<string, string>; headers: Record<string, string>; body: Body };

/** A request that should succeed (or meet a domain rule): ids of seeded rows, a valid body, maybe a reused key. */
const seededId = fc.integer({ min: 1, max: SEEDED_USERS }).map(String);
const validBody = fc
  .record({
    from: fc.integer({ min: 1, max: SEEDED_USERS }),
    text: fc.constantFrom('hi', 'hello', 'same text', '  padded  ', '😀'),
    username: plausible.username,
    password: fc.constant('Passw0rd!'),
    profile: fc.record({ status: fc.constantFrom('Online', 'Busy', 'Offline') }),
    room_name: plausible.room_name,
    room_member: fc.array(fc.record({ username: fc.constantFrom(seedNames.alice, seedNames.bob, seedNames.carol) }), { maxLength: 3 }),
  }, { requiredKeys: ['from', 'text', 'username', 'room_name'] })
  .map((value): Body => ({ text: JSON.stringify(value), base64: false }));

function requestFor(route: HttpFunction): fc.Arbitrary<RequestOf> {
  const params = (id: fc.Arbitrary<string>, taskId: fc.Arbitrary<string>) =>
    fc.record(Object.fromEntries(route.pathParams.map((name) => [name, name === 'task_id' ? taskId : id])) as Record<string, fc.Arbitrary<string>>);
  const withAuthorization = (headersOf: fc.Arbitrary<Record<string, string>>) =>
    fc.tuple(headersOf, authorization).map(([given, auth]) => ({ ...given, ...auth }));
  const hostile = fc.record({ pathParams: params(idText, taskIdText), query, headers: TOKEN_MODE ? withAuthorization(headers) : headers, body });
  const validHeaders = fc.oneof(fc.constant({}), fc.constantFrom('k1', 'k2').map((key) => ({ 'idempotency-key': key })));
  const valid = fc.record({
    pathParams: params(seededId, fc.uuid().map(String)),
    query: seededId.map((userId) => ({ user_id: userId })),
    headers: withAuthorization(validHeaders),
    body: validBody,
  });
  return fc.oneof(hostile, valid);
}

// ---- the properties ----------------------------------------------------------------------------

type Result = { statusCode: number; headers?: Record<string, string>; body?: string };

function checkAnswer(result: Result, label: string): { status: number; parsed: unknown } {
  expect(result.statusCode, label).toBeGreaterThanOrEqual(200);
  expect(result.statusCode, `${label}: ${result.body}`).toBeLessThan(500);
  if (result.statusCode === 204 || result.statusCode === 304) {
    expect(result.body ?? '', label).toBe('');
    return { status: result.statusCode, parsed: undefined };
  }
  let parsed: any;
  expect(() => (parsed = JSON.parse(result.body ?? '')), `${label}: body is not JSON: ${result.body?.slice(0, 200)}`).not.toThrow();
  if (result.statusCode >= 400) {
    expect(result.headers?.['Content-Type'], label).toBe('application/problem+json');
    expect(parsed.status, label).toBe(result.statusCode);
    expect(typeof parsed.code, label).toBe('string');
    expect(typeof parsed.detail, label).toBe('string');
    expect(result.body, label).not.toMatch(/\bat\s+\S+\s+\(|node_modules|\.ts:\d/);
  } else {
    expect(result.headers?.['Content-Type'], label).toBe('application/json');
  }
  return { status: result.statusCode, parsed };
}

const send = (to: string, from: number, text: string, key: string): RequestOf => ({
  pathParams: { user_id: to },
  query: {},
  headers: { 'idempotency-key': key },
  body: { text: JSON.stringify({ from, text }), base64: false },
});

/** Sequences that once broke a property, replayed before the random ones. */
const examples: Record<string, RequestOf[][]> = {
  // A direct send refused for its reused Idempotency-Key (409) used to create the new pair's room first.
  'POST /chat/user/{user_id}': [[send('4', 5, 'hi', 'k1'), send('6', 5, 'hello', 'k1')]],
};

describe(`property (${TOKEN_MODE ? 'token' : 'query'} mode): hostile requests at every HTTP handler`, () => {
  beforeAll(async () => {
    const users = [];
    for (const username of [seedNames.alice, seedNames.bob, seedNames.carol, ...Array.from({ length: SEEDED_USERS - 3 }, () => uniqueUsername('user'))]) {
      users.push(await createUser({ username, password: 'Passw0rd!' }));
    }
    const [alice, bob, carol] = users as [(typeof users)[number], (typeof users)[number], (typeof users)[number]];
    await createGroupRoom({ room_name: `room_${stage}`, room_member: [{ username: alice.username }, { username: bob.username }] });
    await findOrCreateDirectRoom(alice, carol);
    expect(users.map((user) => user.id)).toEqual(Array.from({ length: SEEDED_USERS }, (_, i) => i + 1));
  });

  it('covers every function in functions/ (the SQS consumer below)', () => {
    // The $default route answers only 404/405 (test/trust/http-edges.test.ts); the WebSocket
    // functions get hostile frames in test/realtime/hostile-frames.test.ts.
    const covered = new Set([...routes.map((route) => route.file), 'functions/message-consumer.ts', 'functions/default-route.ts', ...HOSTILE_FRAME_FUNCTIONS]);
    expect(new Set(functionFiles())).toEqual(covered);
  });

  it.each(routes.map((route) => [`${route.method} ${route.route}`, route] as const))('%s', async (label, route) => {
    const { handler } = await importFunction(route.file);
    // A few requests in a row, so that one can meet what an earlier one left (a used key, a new room).
    await fc.assert(
      fc.asyncProperty(fc.array(requestFor(route), { minLength: 1, maxLength: 2 }), async (requests) => {
        for (const request of requests) await checkRequest(request);
      }),
      { numRuns: RUNS, endOnFailure: false, examples: (examples[label] ?? []).map((sequence) => [sequence] as [RequestOf[]]) },
    );

    async function checkRequest(request: RequestOf) {
      const event = httpEvent({
        method: route.method,
        path: route.route.replace(/\{(\w+)\}/g, (_, name: string) => request.pathParams[name] ?? ''),
        pathParameters: request.pathParams,
        query: request.query,
        headers: request.headers,
      });
      event.queryStringParameters = Object.keys(request.query).length > 0 ? request.query : undefined;
      if (request.body.text !== undefined) event.body = request.body.text;
      event.isBase64Encoded = request.body.base64;
      const before = await snapshot();
      const result = (await handler(event, lambdaContext())) as Result;
      await checkLambdaAnswer(handler, event, result);
      const { status } = checkAnswer(result, label);
      expect(({} as Record<string, unknown>).polluted, 'Object.prototype polluted').toBeUndefined();
      if (status >= 400) expect(await snapshot(), `${label}: a rejected request (${status}) changed the tables`).toEqual(before);
    }
  }, TIMEOUT_MS);
});

// The consumer has no auth mode: its property runs once, with the query-mode file.
if (!TOKEN_MODE) describe('property: hostile records at the SQS consumer', () => {
  const record = fc.record({
    body: fc.oneof(bodyText.map((text) => text ?? ''), fc.record({ taskId: fc.oneof(fc.uuid().map(String), anyString), roomId: anyValue, senderId: anyValue, text: anyValue, acceptedAt: anyValue }, { requiredKeys: [] }).map((value) => JSON.stringify(value))),
    receiveCount: fc.constantFrom('1', '2', '3', '10', 'x'),
    group: fc.constantFrom('room-1', 'room-2', 'room-x'),
  });

  it('never throws, fails only records it was given, and a malformed record changes no table', async () => {
    const { handler } = await importFunction('functions/message-consumer.ts');
    await fc.assert(
      fc.asyncProperty(fc.array(record, { minLength: 1, maxLength: 5 }), async (records) => {
        const event = {
          Records: records.map(({ body, receiveCount, group }): SQSRecord => ({
            messageId: randomUUID(),
            receiptHandle: 'r',
            body,
            attributes: { ApproximateReceiveCount: receiveCount, SentTimestamp: '0', SenderId: 's', ApproximateFirstReceiveTimestamp: '0', MessageGroupId: group, MessageDeduplicationId: randomUUID() },
            messageAttributes: {},
            md5OfBody: '',
            eventSource: 'aws:sqs',
            eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:q.fifo',
            awsRegion: 'us-east-1',
          })),
        };
        const before = await snapshot();
        const answer = (await handler(event, lambdaContext())) as { batchItemFailures: { itemIdentifier: string }[] };
        const ids = new Set(event.Records.map((r) => r.messageId));
        for (const failure of answer.batchItemFailures) expect(ids.has(failure.itemIdentifier)).toBe(true);
        // None of these is a task this file queued: nothing is stored, no task is created.
        expect(await snapshot()).toEqual(before);
      }),
      { numRuns: 30 },
    );
  }, TIMEOUT_MS);
});
