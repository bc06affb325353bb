import { describe, expect, it } from 'vitest';
import { serviceFailure } from '../../lib/errors.ts';

const sdkError = (name: string, fields: Record<string, unknown> = {}) => Object.assign(new Error(`${name} happened`), { name, ...fields });

describe('serviceFailure: a DynamoDB or SQS failure as the answer it gets', () => {
  it.each([
    ['throttled (on-demand or provisioned)', sdkError('ProvisionedThroughputExceededException', { $metadata: { httpStatusCode: 400 } }), '1'],
    ['throttled (control plane / SQS)', sdkError('ThrottlingException', { $metadata: { httpStatusCode: 400 } }), '1'],
    ['a request rate limit', sdkError('RequestLimitExceeded', { $metadata: { httpStatusCode: 400 } }), '1'],
    ['a transaction cancelled by throttling', sdkError('TransactionCanceledException', { CancellationReasons: [{ Code: 'None' }, { Code: 'ThrottlingError' }] }), '1'],
    ['a 500 from the service', sdkError('InternalServerError', { $metadata: { httpStatusCode: 500 } }), '5'],
    ['a 503 from the service', sdkError('ServiceUnavailable', { $metadata: { httpStatusCode: 503 } }), '5'],
    ['a connection refused', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), '5'],
    ['an attempt that timed out', Object.assign(new Error('exceeded requestTimeout'), { name: 'TimeoutError', code: 'ETIMEDOUT' }), '5'],
    ['an unknown host', Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }), '5'],
  ])('%s → 503 with Retry-After', (_case, error, retryAfter) => {
    expect(serviceFailure(error)).toMatchObject({ status: 503, code: 'service_unavailable', headers: { 'Retry-After': retryAfter } });
  });

  it('a transaction that kept conflicting after our retries → 409', () => {
    const error = sdkError('TransactionCanceledException', { CancellationReasons: [{ Code: 'TransactionConflict' }, { Code: 'None' }] });
    expect(serviceFailure(error)).toMatchObject({ status: 409, code: 'conflict' });
  });

  it('an item over 400 KB → 413', () => {
    expect(serviceFailure(sdkError('ValidationException', { message: 'Item size has exceeded the maximum allowed size' }))).toMatchObject({ status: 413 });
    const cancelled = sdkError('TransactionCanceledException', { CancellationReasons: [{ Code: 'ValidationError', Message: 'Item size to update has exceeded the maximum allowed size' }] });
    expect(serviceFailure(cancelled)).toMatchObject({ status: 413, code: 'item_too_large' });
  });

  it.each([
    ['a malformed expression (our bug)', sdkError('ValidationException', { $metadata: { httpStatusCode: 400 }, message: 'Invalid UpdateExpression' })],
    ['an unhandled condition failure (our bug)', sdkError('ConditionalCheckFailedException', { $metadata: { httpStatusCode: 400 } })],
    ['a cancelled transaction whose condition we did not handle', sdkError('TransactionCanceledException', { CancellationReasons: [{ Code: 'ConditionalCheckFailed' }] })],
    ['our own abort', sdkError('AbortError')],
    ['a TypeError', new TypeError('x is undefined')],
    ['a string', 'ECONNREFUSED'],
    ['an object', { code: 'ECONNREFUSED' }],
  ])('%s is not a service failure (a 500)', (_case, error) => {
    expect(serviceFailure(error)).toBeUndefined();
  });
});
