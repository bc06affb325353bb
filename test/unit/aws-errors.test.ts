import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import * as sdk from '@aws-sdk/lib-dynamodb';
import * as smithy from '@smithy/core/retry';
import { beforeEach, describe, expect, it } from 'vitest';
import * as ours from '../../lib/aws/dynamodb.ts';
import { isServerError, isThrottlingError, isTransientError, type AwsError } from '../../lib/aws/errors.ts';
import { ApiGatewayManagement } from '../../lib/aws/management.ts';
import { SqsClient } from '../../lib/aws/sqs.ts';
import { freePort } from '../../local/free-port.ts';
import { loopbackServer } from '../support/loopback-server.ts';

/**
 * AWS's error answers, a hung request and a closed port, met once by the AWS SDK v3 client and once
 * by lib/aws, against a server on this machine: the same error (name, message, fields, `$fault`,
 * `$metadata`), the same number of attempts, the same classification (lib/errors.ts answers by
 * it). And lib/aws/errors.ts's classifiers agree with the SDK's own on every case they know.
 */
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token' };
const region = 'us-east-1';
const MAX_ATTEMPTS = 2;
const REQUEST_TIMEOUT_MS = 300;

type Respond = (request: IncomingMessage, response: ServerResponse) => void;
let respond: Respond = (_request, response) => response.end('{}');
let requests = 0;
const local = loopbackServer((request, response) => {
  requests += 1;
  request.resume();
  request.on('end', () => respond(request, response));
});

beforeEach(() => {
  requests = 0;
});

const answer =
  (status: number, body: string, headers: Record<string, string> = {}): Respond =>
  (_request, response) => {
    response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'rid-1', ...headers });
    response.end(body);
  };
const hang: Respond = () => {};

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const sdkHandler = { connectionTimeout: 1000, requestTimeout: REQUEST_TIMEOUT_MS, throwOnRequestTimeout: true };
const ourLimits = { connectionTimeoutMs: 1000, requestTimeoutMs: REQUEST_TIMEOUT_MS, maxAttempts: MAX_ATTEMPTS, maxBackoffMs: 500 };

/** What the callers read of an error, and how both classifications judge it. */
function shape(error: unknown) {
  const e = error as AwsError & Record<string, unknown>;
  const classification = { throttling: isThrottlingError(e), transient: isTransientError(e), server: isServerError(e) };
  expect(classification, 'lib/aws/errors.ts classifies as @smithy/core does').toEqual({
    throttling: smithy.isThrottlingError(e as never),
    transient: smithy.isTransientError(e as never),
    server: smithy.isServerError(e as never),
  });
  return {
    isError: e instanceof Error,
    name: e.name,
    message: e.message,
    code: e.code,
    $fault: e.$fault,
    $metadata: { httpStatusCode: e.$metadata?.httpStatusCode, requestId: e.$metadata?.requestId, attempts: e.$metadata?.attempts },
    CancellationReasons: e.CancellationReasons,
    Item: e.Item,
    ...classification,
  };
}

/** The same call through the SDK and through ours: both fail alike after as many requests. */
async function sameFailure(theirs: () => Promise<unknown>, mine: () => Promise<unknown>, options: { ownMessage?: boolean } = {}) {
  requests = 0;
  const sdkError = await theirs().then(
    () => expect.unreachable('the SDK call succeeded'),
    (error: unknown) => error,
  );
  const sdkRequests = requests;
  requests = 0;
  const ourError = await mine().then(
    () => expect.unreachable('our call succeeded'),
    (error: unknown) => error,
  );
  const theirShape = shape(sdkError);
  const ourShape = shape(ourError);
  // A timeout's message is our own text (the SDK's names its handler); the rest is the same.
  expect(options.ownMessage ? { ...ourShape, message: '' } : ourShape).toEqual(options.ownMessage ? { ...theirShape, message: '' } : theirShape);
  expect(requests).toBe(sdkRequests);
  return { ...ourShape, requests };
}

const put = { TableName: 'chat-test', Item: { PK: 'a', SK: 'b' }, ConditionExpression: 'attribute_not_exists(PK)', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const };
const dynamo = (at = local.endpoint) => ({
  theirs: () =>
    sdk.DynamoDBDocumentClient.from(new DynamoDBClient({ region, endpoint: at, credentials, maxAttempts: MAX_ATTEMPTS, requestHandler: sdkHandler }), {
      marshallOptions: { removeUndefinedValues: true },
    }).send(new sdk.PutCommand(structuredClone(put))),
  mine: () => new ours.DynamoDBDocument({ endpoint: at, region, credentials, limits: ourLimits }).send(new ours.PutCommand(structuredClone(put))),
});
const ddbError = (name: string) => `com.amazonaws.dynamodb.v20120810#${name}`;

describe('DynamoDB errors, as the SDK threw them', () => {
  it('ConditionalCheckFailedException: its name, message and the old item (marshalled), not retried', async () => {
    respond = answer(400, JSON.stringify({ __type: ddbError('ConditionalCheckFailedException'), message: 'The conditional request failed', Item: { PK: { S: 'a' }, n: { N: '1' }, b: { B: 'AAE=' } } }));
    const { theirs, mine } = dynamo();
    const failure = await sameFailure(theirs, mine);
    expect(failure).toMatchObject({
      name: 'ConditionalCheckFailedException',
      message: 'The conditional request failed',
      $fault: 'client',
      $metadata: { httpStatusCode: 400, requestId: 'rid-1', attempts: 1 },
      Item: { PK: { S: 'a' }, n: { N: '1' }, b: { B: new Uint8Array([0, 1]) } },
      throttling: false,
      transient: false,
      requests: 1,
    });
  });

  it('TransactionCanceledException: CancellationReasons as sent (their Item marshalled), `Message` as the message, not retried', async () => {
    const reasons = [{ Code: 'None' }, { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed', Item: { roomId: { N: '7' } } }];
    respond = answer(400, JSON.stringify({ __type: ddbError('TransactionCanceledException'), Message: 'Transaction cancelled [None, ConditionalCheckFailed]', CancellationReasons: reasons }));
    const { theirs, mine } = dynamo();
    expect(await sameFailure(theirs, mine)).toMatchObject({ name: 'TransactionCanceledException', message: 'Transaction cancelled [None, ConditionalCheckFailed]', CancellationReasons: reasons, requests: 1 });
  });

  it('ValidationException (an item over 400 KB): a client error, not retried', async () => {
    respond = answer(400, JSON.stringify({ __type: 'com.amazon.coral.validate#ValidationException', message: 'Item size has exceeded the maximum allowed size' }));
    const { theirs, mine } = dynamo();
    expect(await sameFailure(theirs, mine)).toMatchObject({ name: 'ValidationException', $fault: 'client', transient: false, requests: 1 });
  });

  it('ProvisionedThroughputExceededException (400): throttling, retried up to the attempts', async () => {
    respond = answer(400, JSON.stringify({ __type: ddbError('ProvisionedThroughputExceededException'), message: 'Rate exceeded' }));
    const { theirs, mine } = dynamo();
    expect(await sameFailure(theirs, mine)).toMatchObject({
      name: 'ProvisionedThroughputExceededException',
      throttling: true,
      $metadata: { httpStatusCode: 400, attempts: MAX_ATTEMPTS },
      requests: MAX_ATTEMPTS,
    });
  });

  it('a 500: transient, a server fault, retried', async () => {
    respond = answer(500, JSON.stringify({ __type: ddbError('InternalServerError'), message: 'Internal server error' }));
    const { theirs, mine } = dynamo();
    expect(await sameFailure(theirs, mine)).toMatchObject({ name: 'InternalServerError', $fault: 'server', transient: true, $metadata: { httpStatusCode: 500, attempts: MAX_ATTEMPTS }, requests: MAX_ATTEMPTS });
  });

  it('a 503 named only by its x-amzn-ErrorType header: transient, retried', async () => {
    respond = answer(503, '{}', { 'x-amzn-ErrorType': 'ServiceUnavailableException:http://internal.amazon.com/coral/' });
    const { theirs, mine } = dynamo();
    expect(await sameFailure(theirs, mine)).toMatchObject({ name: 'ServiceUnavailableException', message: 'UnknownError', transient: true, requests: MAX_ATTEMPTS });
  });

  it('a request that never gets an answer: TimeoutError (ETIMEDOUT) after each attempt’s timeout, retried', async () => {
    respond = hang;
    const { theirs, mine } = dynamo();
    const started = performance.now();
    const failure = await sameFailure(theirs, mine, { ownMessage: true });
    expect(failure.message).toMatch(/did not answer within 300 ms/);
    expect(failure).toMatchObject({ name: 'TimeoutError', code: 'ETIMEDOUT', transient: true, $metadata: { attempts: MAX_ATTEMPTS }, requests: MAX_ATTEMPTS });
    expect(performance.now() - started).toBeGreaterThanOrEqual(2 * MAX_ATTEMPTS * REQUEST_TIMEOUT_MS - 50);
    local.server.closeAllConnections();
  });

  it('a connection closed before any answer: socket hang up (ECONNRESET, named TimeoutError as the SDK named it), retried', async () => {
    respond = (request) => request.socket.destroy();
    const { theirs, mine } = dynamo();
    expect(await sameFailure(theirs, mine)).toMatchObject({ name: 'TimeoutError', code: 'ECONNRESET', message: 'socket hang up', transient: true, $metadata: { attempts: MAX_ATTEMPTS }, requests: MAX_ATTEMPTS });
  });

  it('a closed port: the connection refused (Node’s Error, code ECONNREFUSED, as the SDK let it through), retried', async () => {
    const { theirs, mine } = dynamo(`http://127.0.0.1:${await freePort()}`);
    expect(await sameFailure(theirs, mine)).toMatchObject({ name: 'Error', code: 'ECONNREFUSED', transient: true, $metadata: { attempts: MAX_ATTEMPTS }, requests: 0 });
  });
});

describe('SQS and management errors, as the SDK threw them', () => {
  it('SQS QueueDoesNotExist (AWS JSON with the query-compatible header): named by its type, not retried', async () => {
    respond = answer(400, JSON.stringify({ __type: 'com.amazonaws.sqs#QueueDoesNotExist', message: 'The specified queue does not exist.' }), {
      'x-amzn-query-error': 'AWS.SimpleQueueService.NonExistentQueue;Sender',
    });
    const input = { QueueUrl: `${local.endpoint}/000000000000/q.fifo`, MessageBody: 'x', MessageGroupId: 'g', MessageDeduplicationId: 'd' };
    const failure = await sameFailure(
      () => new SQSClient({ region, credentials, maxAttempts: MAX_ATTEMPTS, requestHandler: sdkHandler, logger: quiet }).send(new SendMessageCommand(input)),
      () => new SqsClient({ region, credentials, limits: ourLimits }).sendMessage(input),
    );
    expect(failure).toMatchObject({ name: 'QueueDoesNotExist', message: 'The specified queue does not exist.', requests: 1 });
  });

  it('PostToConnection to a gone connection: GoneException (410) by its header, not retried', async () => {
    respond = answer(410, JSON.stringify({ message: null }), { 'x-amzn-ErrorType': 'GoneException' });
    const failure = await sameFailure(
      () => new ApiGatewayManagementApiClient({ region, endpoint: `${local.endpoint}/prod`, credentials, maxAttempts: MAX_ATTEMPTS, requestHandler: sdkHandler }).send(new PostToConnectionCommand({ ConnectionId: 'c=', Data: '{}' })),
      () => new ApiGatewayManagement({ endpoint: `${local.endpoint}/prod`, region, credentials, limits: ourLimits }).postToConnection('c=', '{}'),
    );
    expect(failure).toMatchObject({ name: 'GoneException', $metadata: { httpStatusCode: 410 }, requests: 1 });
  });
});

describe('lib/aws/errors.ts classifies every case as @smithy/core/retry does', () => {
  const error = (name: string, fields: Record<string, unknown> = {}) => Object.assign(new Error(`${name}!`), { name, ...fields });
  const cases: [string, Error][] = [
    ['throttling by name', error('ThrottlingException', { $metadata: { httpStatusCode: 400 } })],
    ['throttling: TransactionInProgressException', error('TransactionInProgressException')],
    ['throttling by 429', error('Whatever', { $metadata: { httpStatusCode: 429 } })],
    ['throttling by trait', error('Whatever', { $retryable: { throttling: true } })],
    ['retryable by trait', error('Whatever', { $retryable: {} })],
    ['a clock-skew-corrected error', error('Whatever', { $metadata: { clockSkewCorrected: true } })],
    ['an expired signature', error('InvalidSignatureException', { message: 'Signature expired: 20260101T000000Z is now earlier than …' })],
    ['a signature mismatch', error('InvalidSignatureException', { message: 'The request signature we calculated does not match' })],
    ['RequestTimeoutException', error('RequestTimeoutException')],
    ['TimeoutError', error('TimeoutError')],
    ['ECONNRESET', error('Error', { code: 'ECONNRESET' })],
    ['EPIPE', error('Error', { code: 'EPIPE' })],
    ['ENOTFOUND', error('Error', { code: 'ENOTFOUND' })],
    ['EAI_AGAIN', error('Error', { code: 'EAI_AGAIN' })],
    ['ECONNABORTED (not listed)', error('Error', { code: 'ECONNABORTED' })],
    ['500', error('InternalServerError', { $metadata: { httpStatusCode: 500 } })],
    ['501 (a server error, not transient)', error('NotImplemented', { $metadata: { httpStatusCode: 501 } })],
    ['504', error('GatewayTimeout', { $metadata: { httpStatusCode: 504 } })],
    ['400', error('ValidationException', { $metadata: { httpStatusCode: 400 } })],
    ['ConditionalCheckFailedException', error('ConditionalCheckFailedException', { $metadata: { httpStatusCode: 400 } })],
    ['TransactionCanceledException', error('TransactionCanceledException', { $metadata: { httpStatusCode: 400 }, CancellationReasons: [{ Code: 'ThrottlingError' }] })],
    ['an abort', error('AbortError', { code: 'ECONNRESET' })],
    ['a transient cause', error('Error', { cause: error('TimeoutError') })],
    ['a browser network error', new TypeError('Failed to fetch')],
    ['another TypeError', new TypeError('x is not a function')],
    ['an HTTP/2 refused stream', error('Error', { code: 'ERR_HTTP2_STREAM_ERROR', message: 'Stream closed with error code NGHTTP2_REFUSED_STREAM' })],
    ['a plain Error', new Error('boom')],
  ];

  it.each(cases)('%s', (_case, e) => {
    const judged = (lib: { isThrottlingError: (e: never) => boolean; isTransientError: (e: never) => boolean; isServerError: (e: never) => boolean }) => ({
      throttling: lib.isThrottlingError(e as never),
      transient: lib.isTransientError(e as never),
      server: lib.isServerError(e as never),
    });
    expect(judged({ isThrottlingError, isTransientError, isServerError })).toEqual(judged(smithy));
  });
});
