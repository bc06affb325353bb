import { createHash, createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ApiGatewayManagementApiClient, DeleteConnectionCommand, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import * as sdk from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as ours from '../../lib/aws/dynamodb.ts';
import { ApiGatewayManagement } from '../../lib/aws/management.ts';
import { SqsClient } from '../../lib/aws/sqs.ts';
import { loopbackServer } from '../support/loopback-server.ts';

/**
 * Wire format: each call the functions make, sent once through the AWS SDK v3 client (what the
 * functions used before) and once through lib/aws, to a server on this machine that records the
 * requests and answers AWS's JSON. Same credentials, region and clock: the same method, path, body
 * and signed headers — the signature included, so the canonical request is the same byte for byte —
 * and the same output from the same answer. The SDK's telemetry headers (invocation id, attempt
 * count, user agent) are taken off its requests before they are signed: we do not send them.
 */
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'session-token-example' };
const region = 'eu-west-1';
const SIGNED = ['authorization', 'x-amz-date', 'x-amz-target', 'content-type', 'x-amz-security-token', 'x-amz-content-sha256', 'content-length', 'host', 'x-amzn-query-mode'];
const TELEMETRY = ['amz-sdk-invocation-id', 'amz-sdk-request', 'x-amz-user-agent', 'user-agent'];

interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const recorded: Recorded[] = [];
/** A message body the server answers with the MD5 of another body. */
const WRONG_MD5 = 'answer with a wrong MD5';
/** The answer to the next requests, by X-Amz-Target (or method for the management API). */
let answers: Record<string, { status?: number; body: string }> = {};
const local = loopbackServer((request, response) => {
  let body = '';
  request.setEncoding('utf8');
  request.on('data', (chunk: string) => (body += chunk));
  request.on('end', () => {
    recorded.push({ method: request.method!, url: request.url!, headers: request.headers, body });
    const target = (request.headers['x-amz-target'] as string | undefined) ?? request.method!;
    const sent = target === 'AmazonSQS.SendMessage' ? (JSON.parse(body) as { MessageBody: string }).MessageBody : '';
    const answer = target === 'AmazonSQS.SendMessage' ? { body: JSON.stringify({ MessageId: 'm-1', MD5OfMessageBody: md5(sent === WRONG_MD5 ? 'something else' : sent) }) } : (answers[target] ?? { body: '{}' });
    response.writeHead(answer.status ?? 200, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'request-1' });
    response.end(answer.body);
  });
});

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-12-07T05:04:03.000Z'));
  recorded.length = 0;
  answers = {};
});

afterEach(() => {
  vi.useRealTimers();
});

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

type Stack = { middlewareStack: { addRelativeTo(middleware: unknown, options: unknown): void } };
function withoutTelemetry<T extends Stack>(client: T): T {
  client.middlewareStack.addRelativeTo(
    (next: (args: unknown) => unknown) => (args: { request: { headers: Record<string, string> } }) => {
      for (const name of TELEMETRY) delete args.request.headers[name];
      return next(args);
    },
    { relation: 'before', toMiddleware: 'httpSigningMiddleware', name: 'withoutTelemetry' },
  );
  return client;
}

/** The SDK's SQS client warns on every call that it sends to the queue URL's origin: it is what we test. */
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const limits = { connectionTimeoutMs: 1000, requestTimeoutMs: 2000, maxAttempts: 1, maxBackoffMs: 500 };
const sdkDynamo = () =>
  sdk.DynamoDBDocumentClient.from(withoutTelemetry(new DynamoDBClient({ region, endpoint: local.endpoint, credentials, maxAttempts: 1 })), { marshallOptions: { removeUndefinedValues: true } });
const ourDynamo = () => new ours.DynamoDBDocument({ endpoint: local.endpoint, region, credentials, limits });

/**
 * Signature Version 4 of a request as the server received it, computed here from its bytes (an
 * implementation of its own, after AWS's description): what AWS checks an Authorization against.
 */
function expectedAuthorization(request: Recorded): string {
  const auth = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=/.exec(request.headers.authorization ?? '');
  if (!auth) throw new Error(`not a SigV4 Authorization: ${request.headers.authorization}`);
  const [, keyId, day, signingRegion, service, signedHeaders] = auth as unknown as [string, string, string, string, string, string];
  const hex = (data: string) => createHash('sha256').update(data).digest('hex');
  const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
  const uriEscape = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const path = request.url.split('/').map(uriEscape).join('/');
  const names = signedHeaders.split(';');
  const canonicalHeaders = names.map((name) => `${name}:${String(request.headers[name]).trim().replace(/\s+/g, ' ')}\n`).join('');
  const canonical = [request.method, path, '', canonicalHeaders, signedHeaders, hex(request.body)].join('\n');
  const scope = `${day}/${signingRegion}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', request.headers['x-amz-date'], scope, hex(canonical)].join('\n');
  const key = [day, signingRegion, service, 'aws4_request'].reduce<string | Buffer>((k, part) => hmac(k, part), `AWS4${credentials.secretAccessKey}`);
  return `AWS4-HMAC-SHA256 Credential=${keyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${hmac(key, toSign).toString('hex')}`;
}

/**
 * The two requests (SDK's, then ours) carry the same method, path, body and signed headers. The
 * SDK writes a JSON body's members in its model's order, we in the input's, so where the bytes
 * differ the payload hash and signature do too: each must then be right for its own bytes.
 */
function expectSameRequests() {
  expect(recorded).toHaveLength(2);
  const [theirs, mine] = recorded as [Recorded, Recorded];
  expect(mine.method).toBe(theirs.method);
  expect(mine.url).toBe(theirs.url);
  if ((theirs.headers['content-type'] ?? '').includes('json')) expect(JSON.parse(mine.body)).toEqual(JSON.parse(theirs.body));
  else expect(mine.body).toBe(theirs.body);
  const signedList = (headers: IncomingHttpHeaders) => /SignedHeaders=([^,]+)/.exec(headers.authorization ?? '')?.[1];
  expect(signedList(mine.headers)).toBe(signedList(theirs.headers));
  const pick = (headers: IncomingHttpHeaders) =>
    Object.fromEntries(SIGNED.filter((name) => headers[name] !== undefined && name !== 'authorization' && name !== 'x-amz-content-sha256').map((name) => [name, headers[name]]));
  expect(pick(mine.headers)).toEqual(pick(theirs.headers));
  for (const request of [theirs, mine]) {
    expect(request.headers['x-amz-content-sha256']).toBe(createHash('sha256').update(request.body).digest('hex'));
    expect(request.headers.authorization).toBe(expectedAuthorization(request));
  }
  if (mine.body === theirs.body) expect(mine.headers.authorization).toBe(theirs.headers.authorization);
  // Nothing else of ours goes out: no header the SDK did not send.
  for (const name of Object.keys(mine.headers)) expect(theirs.headers[name] !== undefined || name === 'connection', name).toBe(true);
}

const withoutMetadata = (output: object) => {
  const { $metadata, ...rest } = output as { $metadata: unknown };
  return { rest, $metadata };
};

/** Sends the same command through both clients; their outputs must be equal too. */
async function both<K extends keyof typeof ours & keyof typeof sdk>(name: K, input: object) {
  const Theirs = sdk[name] as unknown as new (input: object) => sdk.GetCommand;
  const Ours = ours[name] as unknown as new (input: object) => ours.GetCommand;
  const theirOutput = await sdkDynamo().send(new Theirs(structuredClone(input)));
  const ourOutput = await ourDynamo().send(new Ours(structuredClone(input)));
  expectSameRequests();
  const [a, b] = [withoutMetadata(theirOutput), withoutMetadata(ourOutput)];
  expect(b.rest).toEqual(a.rest);
  expect(b.$metadata).toMatchObject({ httpStatusCode: 200, requestId: 'request-1', attempts: 1 });
  expect(a.$metadata).toMatchObject({ httpStatusCode: 200, requestId: 'request-1', attempts: 1 });
  return ourOutput as Record<string, unknown>;
}

const table = 'chat-test';
const item = {
  PK: 'ROOM#7',
  SK: 'MSG#00000042',
  text: 'héllo ✓ 😀',
  sequence: 42,
  ratio: 0.25,
  seen: true,
  nothing: null,
  skipped: undefined,
  tags: ['a', 1, { deep: { deeper: [true] } }],
  meta: { from: 3, at: '2026-12-07T05:04:03.000Z', gone: undefined },
  names: new Set(['x', 'y']),
  numbers: new Set([1, 2]),
  blob: new Uint8Array([0, 1, 2, 250]),
};
const stored = marshall({ PK: 'ROOM#7', SK: 'MSG#1', text: 'hi', n: 5, list: [1, 'a'], map: { b: false }, names: new Set(['p']), blob: new Uint8Array([9, 8]) });
const binary = (value: object) => JSON.stringify(value, (_key, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v));
const capacity = { TableName: table, CapacityUnits: 1.5 };

describe('DynamoDB: each operation on the wire as the SDK sends it, and its answer as lib-dynamodb gives it', () => {
  it('GetItem', async () => {
    answers['DynamoDB_20120810.GetItem'] = { body: binary({ Item: stored, ConsumedCapacity: capacity }) };
    const output = await both('GetCommand', { TableName: table, Key: { PK: 'ROOM#7', SK: 'ROOM' }, ConsistentRead: true, ProjectionExpression: '#a', ExpressionAttributeNames: { '#a': 'text' }, ReturnConsumedCapacity: 'TOTAL' });
    expect(output.Item).toMatchObject({ n: 5, blob: new Uint8Array([9, 8]), names: new Set(['p']) });
  });

  it('PutItem with a condition, ReturnValues and ReturnValuesOnConditionCheckFailure', async () => {
    answers['DynamoDB_20120810.PutItem'] = { body: binary({ Attributes: stored, ConsumedCapacity: capacity }) };
    await both('PutCommand', {
      TableName: table,
      Item: item,
      ConditionExpression: 'attribute_not_exists(PK) OR #s < :s',
      ExpressionAttributeNames: { '#s': 'sequence' },
      ExpressionAttributeValues: { ':s': 42, ':unused': undefined },
      ReturnValues: 'ALL_OLD',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  });

  it('UpdateItem', async () => {
    answers['DynamoDB_20120810.UpdateItem'] = { body: binary({ Attributes: { lastSequence: { N: '43' } } }) };
    const output = await both('UpdateCommand', {
      TableName: table,
      Key: { PK: 'ROOM#7', SK: 'ROOM' },
      UpdateExpression: 'SET lastSequence = lastSequence + :one, members = :members REMOVE #t',
      ExpressionAttributeNames: { '#t': 'typing' },
      ExpressionAttributeValues: { ':one': 1, ':members': [1, 2, 3] },
      ReturnValues: 'UPDATED_NEW',
    });
    expect(output.Attributes).toEqual({ lastSequence: 43 });
  });

  it('DeleteItem', async () => {
    answers['DynamoDB_20120810.DeleteItem'] = { body: binary({ Attributes: stored }) };
    await both('DeleteCommand', { TableName: table, Key: { PK: 'CONN#abc=', SK: 'CONN' }, ConditionExpression: 'userId = :u', ExpressionAttributeValues: { ':u': 3 }, ReturnValues: 'ALL_OLD' });
  });

  it('Query, with a start key and a page of items', async () => {
    answers['DynamoDB_20120810.Query'] = { body: binary({ Items: [stored, marshall({ PK: 'x', n: 1 })], Count: 2, ScannedCount: 2, LastEvaluatedKey: marshall({ PK: 'ROOM#7', SK: 'MSG#2' }) }) };
    const output = await both('QueryCommand', {
      TableName: table,
      IndexName: 'GSI1',
      KeyConditionExpression: 'PK = :pk AND SK BETWEEN :a AND :b',
      FilterExpression: 'attribute_exists(#x)',
      ExpressionAttributeNames: { '#x': 'text' },
      ExpressionAttributeValues: { ':pk': 'ROOM#7', ':a': 'MSG#', ':b': 'MSG#~' },
      ExclusiveStartKey: { PK: 'ROOM#7', SK: 'MSG#00000001' },
      ScanIndexForward: false,
      Limit: 51,
      ConsistentRead: undefined,
    });
    expect(output.LastEvaluatedKey).toEqual({ PK: 'ROOM#7', SK: 'MSG#2' });
  });

  it('Scan', async () => {
    answers['DynamoDB_20120810.Scan'] = { body: binary({ Items: [stored], Count: 1, ScannedCount: 3 }) };
    await both('ScanCommand', { TableName: table, ConsistentRead: true, ExclusiveStartKey: { PK: 'a', SK: 'b' }, FilterExpression: '#t = :t', ExpressionAttributeNames: { '#t': 'type' }, ExpressionAttributeValues: { ':t': 'user' } });
  });

  it('BatchGetItem, with keys left unprocessed', async () => {
    answers['DynamoDB_20120810.BatchGetItem'] = {
      body: binary({ Responses: { [table]: [stored] }, UnprocessedKeys: { [table]: { Keys: [marshall({ PK: 'USER#2', SK: 'USER' })], ConsistentRead: true } }, ConsumedCapacity: [capacity] }),
    };
    const output = await both('BatchGetCommand', {
      RequestItems: { [table]: { Keys: [{ PK: 'USER#1', SK: 'USER' }, { PK: 'USER#2', SK: 'USER' }], ConsistentRead: true, ProjectionExpression: '#a0, #a1', ExpressionAttributeNames: { '#a0': 'id', '#a1': 'username' } } },
      ReturnConsumedCapacity: 'TOTAL',
    });
    expect(output.UnprocessedKeys).toEqual({ [table]: { Keys: [{ PK: 'USER#2', SK: 'USER' }], ConsistentRead: true } });
  });

  it('BatchWriteItem, with items left unprocessed', async () => {
    answers['DynamoDB_20120810.BatchWriteItem'] = { body: binary({ UnprocessedItems: { [table]: [{ PutRequest: { Item: stored } }, { DeleteRequest: { Key: marshall({ PK: 'a', SK: 'b' }) } }] } }) };
    await both('BatchWriteCommand', { RequestItems: { [table]: [{ PutRequest: { Item: item } }, { DeleteRequest: { Key: { PK: 'a', SK: 'b' } } }] } });
  });

  it('TransactWriteItems with every kind of item and a given ClientRequestToken', async () => {
    answers['DynamoDB_20120810.TransactWriteItems'] = { body: binary({ ConsumedCapacity: [capacity, { TableName: 'other', CapacityUnits: 2 }] }) };
    await both('TransactWriteCommand', {
      ClientRequestToken: 'token-1',
      ReturnConsumedCapacity: 'TOTAL',
      TransactItems: [
        { Put: { TableName: table, Item: item, ConditionExpression: 'attribute_not_exists(PK)', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } },
        { Update: { TableName: table, Key: { PK: 'ROOM#7', SK: 'ROOM' }, UpdateExpression: 'ADD n :one', ExpressionAttributeValues: { ':one': 1 } } },
        { Delete: { TableName: table, Key: { PK: 'a', SK: 'b' }, ConditionExpression: 'v = :v', ExpressionAttributeValues: { ':v': 'x' } } },
        { ConditionCheck: { TableName: table, Key: { PK: 'USER#1', SK: 'USER' }, ConditionExpression: 'attribute_exists(PK)' } },
      ],
    });
  });

  it('TransactWriteItems without a ClientRequestToken: each client makes one (a UUID) for the call', async () => {
    const input = { TransactItems: [{ Put: { TableName: table, Item: { PK: 'a', SK: 'b' } } }] };
    await sdkDynamo().send(new sdk.TransactWriteCommand(structuredClone(input)));
    await ourDynamo().send(new ours.TransactWriteCommand(structuredClone(input)));
    const [theirs, mine] = recorded.map((r) => JSON.parse(r.body) as { ClientRequestToken: string }) as [{ ClientRequestToken: string }, { ClientRequestToken: string }];
    for (const { ClientRequestToken } of [theirs, mine]) expect(ClientRequestToken).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect({ ...mine, ClientRequestToken: 'x' }).toEqual({ ...theirs, ClientRequestToken: 'x' });
  });

  it('TransactGetItems', async () => {
    answers['DynamoDB_20120810.TransactGetItems'] = { body: binary({ Responses: [{ Item: stored }, {}] }) };
    await both('TransactGetCommand', { TransactItems: [{ Get: { TableName: table, Key: { PK: 'a', SK: 'b' } } }, { Get: { TableName: table, Key: { PK: 'c', SK: 'd' }, ProjectionExpression: 'PK' } }] });
  });
});

describe('SQS and the API Gateway management API on the wire as the SDK sends them', () => {
  const sqsLimits = { connectionTimeoutMs: 1000, requestTimeoutMs: 2000, maxAttempts: 1 };
  const queueUrl = () => `${local.endpoint}/000000000000/chat-test-messages.fifo`;

  it('SendMessage, with message attributes, to the queue URL’s origin', async () => {
    const input = {
      QueueUrl: queueUrl(),
      MessageBody: '{"taskId":"t-1","text":"h\\u00e9llo"}',
      MessageGroupId: 'room-7',
      MessageDeduplicationId: 't-1',
      MessageAttributes: { receiveCount: { DataType: 'Number', StringValue: '3' }, failureReason: { DataType: 'String', StringValue: 'why' } },
    };
    await withoutTelemetry(new SQSClient({ region, credentials, maxAttempts: 1, logger: quiet })).send(new SendMessageCommand(input));
    const output = await new SqsClient({ region, credentials, limits: sqsLimits }).sendMessage(input);
    expectSameRequests();
    expect(output).toMatchObject({ MessageId: 'm-1', $metadata: { httpStatusCode: 200, attempts: 1 } });
  });

  it('SendMessage fails when the MD5 of the body SQS stored differs, as the SDK does', async () => {
    const input = { QueueUrl: queueUrl(), MessageBody: WRONG_MD5, MessageGroupId: 'g', MessageDeduplicationId: 'd' };
    await expect(withoutTelemetry(new SQSClient({ region, credentials, maxAttempts: 1, logger: quiet })).send(new SendMessageCommand(input))).rejects.toThrow('InvalidChecksumError');
    await expect(new SqsClient({ region, credentials, limits: sqsLimits }).sendMessage(input)).rejects.toThrow('InvalidChecksumError');
  });

  it('GetQueueAttributes', async () => {
    answers['AmazonSQS.GetQueueAttributes'] = { body: JSON.stringify({ Attributes: { RedrivePolicy: '{"maxReceiveCount":2}' } }) };
    const input = { QueueUrl: queueUrl(), AttributeNames: ['RedrivePolicy' as const] };
    const theirs = await withoutTelemetry(new SQSClient({ region, credentials, maxAttempts: 1, logger: quiet })).send(new GetQueueAttributesCommand(input));
    const mine = await new SqsClient({ region, credentials, limits: sqsLimits }).getQueueAttributes(input);
    expectSameRequests();
    expect(mine.Attributes).toEqual(theirs.Attributes);
  });

  const connectionId = 'Vx9g=abc/+!*';
  const managementEndpoint = () => `${local.endpoint}/prod`;

  it('PostToConnection: the frame as the body, to the stage’s path', async () => {
    const frame = JSON.stringify({ type: 'message', room_id: 7, text: 'h\u00e9llo 😀' });
    await withoutTelemetry(new ApiGatewayManagementApiClient({ region, endpoint: managementEndpoint(), credentials, maxAttempts: 1 })).send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: frame }));
    await new ApiGatewayManagement({ endpoint: managementEndpoint(), region, credentials, limits: sqsLimits }).postToConnection(connectionId, frame);
    expectSameRequests();
    expect(recorded[1]!.url).toBe('/prod/@connections/Vx9g%3Dabc%2F%2B%21%2A');
  });

  it('DeleteConnection, and an endpoint without a stage (serverless-offline’s)', async () => {
    await withoutTelemetry(new ApiGatewayManagementApiClient({ region, endpoint: local.endpoint, credentials, maxAttempts: 1 })).send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
    await new ApiGatewayManagement({ endpoint: local.endpoint, region, credentials, limits: sqsLimits }).deleteConnection(connectionId);
    expectSameRequests();
    expect(recorded[1]!.url).toBe('/@connections/Vx9g%3Dabc%2F%2B%21%2A');
  });
});
