import { marshall } from '@aws-sdk/util-dynamodb';
import fc from 'fast-check';
import { GetCommand } from '../../lib/aws/dynamodb.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { ddb, tables } from '../../lib/repository/client.ts';
import { keys } from '../../lib/repository/keys.ts';
import { importFunction } from '../trust/routes.ts';
import { lambdaContext } from '../support/lambda.ts';
import { HOSTILE_FRAME_FUNCTIONS } from './covered.ts';
import { groupRoom, signUp, type TestUser } from './fixtures.ts';

/**
 * Random and hostile input at every WebSocket route function and at the fan-out (handler level,
 * query mode, the shared stack): never a 5xx from a client's frame or query, every answer body a
 * JSON frame with a `type`, a refused $connect records no connection, a typing frame never writes,
 * and garbage stream records make the fan-out neither throw nor report a failure.
 */
const RUNS = Number(process.env.PROPERTY_RUNS ?? 50);
let alice: TestUser;
let roomId: number;
const handlers: Record<string, (event: unknown, context: unknown) => Promise<any>> = {};

beforeAll(async () => {
  alice = await signUp('prop');
  roomId = await groupRoom(alice, []);
  for (const file of HOSTILE_FRAME_FUNCTIONS) handlers[file] = (await importFunction(file)).handler;
});

const hostileText = fc.oneof(
  fc.string(),
  fc.constantFrom('', '0', '-1', '07', '1e3', '9007199254740993', '__proto__', 'null', ' 1', '1 ', '%00', '\u0000', 'ﬀ'),
  fc.nat().map(String),
);
const hostileJson = fc.oneof(
  fc.json(),
  fc.string(),
  fc.record({ action: fc.constantFrom('typing', 'ping', 'other', '__proto__'), room_id: fc.oneof(fc.anything(), hostileText) }).map((v) => JSON.stringify(v)),
);
const connectionIdOf = (n: number) => `prop-${process.pid}-${n}-${crypto.randomUUID()}`;

function expectFrameAnswer(answer: { statusCode: number; body?: string }, label: string) {
  expect(answer.statusCode, label).toBeLessThan(500);
  if (answer.body !== undefined) {
    const frame = JSON.parse(answer.body);
    expect(typeof frame.type, label).toBe('string');
    if (answer.statusCode >= 400) expect(frame, label).toMatchObject({ type: 'error', code: expect.any(String), message: expect.any(String) });
  }
}

const connectionItem = async (connectionId: string) =>
  (await ddb.send(new GetCommand({ TableName: tables.chat, Key: keys.connection(connectionId), ConsistentRead: true }))).Item;

describe('property: hostile input at the WebSocket functions', () => {
  it('covers exactly the WebSocket and fan-out functions (the property suite counts them)', () => {
    expect(Object.keys(handlers).sort()).toEqual([...HOSTILE_FRAME_FUNCTIONS].sort());
  });

  it('$connect: any query string is accepted only for an existing user; a refusal is a 4xx error frame and records nothing', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom('user_id', 'token', 'x', '__proto__'), hostileText), fc.nat(), async (query, n) => {
        const connectionId = connectionIdOf(n);
        const answer = await handlers['functions/ws-connect.ts']!({ requestContext: { connectionId, routeKey: '$connect', eventType: 'CONNECT' }, queryStringParameters: query }, lambdaContext());
        expectFrameAnswer(answer, JSON.stringify(query));
        const item = await connectionItem(connectionId);
        if (answer.statusCode >= 400) expect(item, JSON.stringify(query)).toBeUndefined();
        else {
          expect(item?.userId).toBe(Number(query.user_id));
          await handlers['functions/ws-disconnect.ts']!({ requestContext: { connectionId, routeKey: '$disconnect', eventType: 'DISCONNECT' } }, lambdaContext());
          expect(await connectionItem(connectionId)).toBeUndefined();
        }
      }),
      { numRuns: RUNS, examples: [[{ user_id: String(1) }, 1], [{ user_id: '' }, 2], [{ token: 'x.y.z' }, 3]] },
    );
  });

  it('frames: typing, ping and anything else never answer 5xx, from a known or an unknown connection; typing writes nothing', { timeout: 120_000 }, async () => {
    const known = connectionIdOf(0);
    await handlers['functions/ws-connect.ts']!({ requestContext: { connectionId: known, routeKey: '$connect' }, queryStringParameters: { user_id: String(alice.id) } }, lambdaContext());
    const before = await connectionItem(known);
    try {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom('typing', 'ping', '$default'), hostileJson, fc.boolean(), async (route, body, fromKnown) => {
          const file = route === 'typing' ? 'functions/ws-typing.ts' : route === 'ping' ? 'functions/ws-ping.ts' : 'functions/ws-default.ts';
          const connectionId = fromKnown ? known : connectionIdOf(1);
          const answer = await handlers[file]!({ requestContext: { connectionId, routeKey: route, eventType: 'MESSAGE' }, body }, lambdaContext());
          expectFrameAnswer(answer, `${route} ${body}`);
          if (!fromKnown) expect(await connectionItem(connectionId)).toBeUndefined();
        }),
        { numRuns: RUNS, examples: [['typing', JSON.stringify({ action: 'typing', room_id: roomId }), true]] },
      );
      expect(await connectionItem(known)).toEqual(before);
    } finally {
      await handlers['functions/ws-disconnect.ts']!({ requestContext: { connectionId: known, routeKey: '$disconnect' } }, lambdaContext());
    }
  });

  it('$disconnect of any connection id answers 200 and removes nothing else', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 200 }), async (connectionId) => {
        const answer = await handlers['functions/ws-disconnect.ts']!({ requestContext: { connectionId, routeKey: '$disconnect' } }, lambdaContext());
        expect(answer.statusCode).toBe(200);
      }),
      { numRuns: RUNS },
    );
  });

  it('the fan-out ignores garbage stream records: no throw, no reported failure', { timeout: 120_000 }, async () => {
    const image = fc.dictionary(fc.constantFrom('PK', 'SK', 'type', 'roomId', 'userId', 'sequence', 'senderId', 'text', 'lastSeenSequence', 'x'), fc.oneof(fc.string(), fc.integer(), fc.boolean()));
    const record = fc.record({
      eventName: fc.constantFrom('INSERT', 'MODIFY', 'REMOVE', 'OTHER'),
      sk: fc.oneof(fc.constantFrom('MSG#000000000001', 'MEMBER#000000000001', 'META', 'CONNECTION'), fc.string()),
      newImage: fc.option(image),
      oldImage: fc.option(image),
      sequenceNumber: fc.nat().map(String),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(record, { maxLength: 5 }), async (records) => {
        const event = {
          Records: records.map((r) => ({
            eventName: r.eventName,
            dynamodb: {
              // A room no test uses: nobody to post to, whatever the record claims.
              Keys: marshall({ PK: 'ROOM#999999999', SK: r.sk }),
              SequenceNumber: r.sequenceNumber,
              ...(r.newImage ? { NewImage: marshall({ ...r.newImage, roomId: 999999999 }) } : {}),
              ...(r.oldImage ? { OldImage: marshall({ ...r.oldImage, roomId: 999999999 }) } : {}),
            },
          })),
        };
        const answer = await handlers['functions/realtime-fanout.ts']!(event, lambdaContext());
        expect(answer).toEqual({ batchItemFailures: [] });
      }),
      { numRuns: RUNS },
    );
  });
});
