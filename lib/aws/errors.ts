import type { IncomingHttpHeaders } from 'node:http';

/**
 * Errors of AWS calls, and how they are classified: the AWS SDK's own rules
 * (@smithy/core 3.41 `service-error-classification`), case for case, so that lib/errors.ts and our
 * retries judge an error as the SDK did. test/unit/aws-errors.test.ts compares both on every case.
 */
export interface AwsErrorMetadata {
  httpStatusCode?: number;
  requestId?: string;
  extendedRequestId?: string;
  cfId?: string;
  attempts?: number;
  totalRetryDelay?: number;
}

export type AwsError = Error & {
  code?: string;
  $fault?: 'client' | 'server';
  $metadata?: AwsErrorMetadata;
  $retryable?: { throttling?: boolean };
  cause?: unknown;
};

const THROTTLING_ERROR_CODES = new Set([
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
]);
const TRANSIENT_ERROR_CODES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
const TRANSIENT_ERROR_STATUS_CODES = new Set([500, 502, 503, 504]);
const NODEJS_TIMEOUT_ERROR_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT']);
const NODEJS_NETWORK_ERROR_CODES = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const BROWSER_NETWORK_ERROR_MESSAGES = new Set([
  'Failed to fetch',
  'NetworkError when attempting to fetch resource',
  'The Internet connection appears to be offline',
  'Load failed',
  'Network request failed',
]);

export function isThrottlingError(error: AwsError): boolean {
  return error.$metadata?.httpStatusCode === 429 || THROTTLING_ERROR_CODES.has(error.name) || error.$retryable?.throttling == true;
}

export function isTransientError(error: AwsError, depth = 0): boolean {
  if (error?.name === 'AbortError') return false;
  const metadata = error.$metadata as (AwsErrorMetadata & { clockSkewCorrected?: boolean }) | undefined;
  return (
    error?.$retryable !== undefined ||
    Boolean(metadata?.clockSkewCorrected) ||
    (error.name === 'InvalidSignatureException' && Boolean(error.message?.includes('Signature expired'))) ||
    TRANSIENT_ERROR_CODES.has(error.name) ||
    NODEJS_TIMEOUT_ERROR_CODES.has(error?.code || '') ||
    NODEJS_NETWORK_ERROR_CODES.has(error?.code || '') ||
    TRANSIENT_ERROR_STATUS_CODES.has(metadata?.httpStatusCode || 0) ||
    (error instanceof TypeError && BROWSER_NETWORK_ERROR_MESSAGES.has(error.message)) ||
    (error.code === 'ERR_HTTP2_STREAM_ERROR' && error.message.includes('NGHTTP2_REFUSED_STREAM')) ||
    (error.cause !== undefined && depth <= 10 && isTransientError(error.cause as AwsError, depth + 1))
  );
}

export function isServerError(error: AwsError): boolean {
  const status = error.$metadata?.httpStatusCode;
  return status !== undefined && status >= 500 && status <= 599 && !isTransientError(error);
}

/** Where a protocol reads an error's code, in order: the body's `__type`, its `code`, the `x-amzn-ErrorType` header. */
export type ErrorCodeSource = 'type' | 'code' | 'header';
export const JSON_RPC_ERROR_CODE: readonly ErrorCodeSource[] = ['type', 'code', 'header'];
export const REST_JSON_ERROR_CODE: readonly ErrorCodeSource[] = ['header', 'code', 'type'];

/** `com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException` → `ConditionalCheckFailedException`, as the SDK reads it. */
function errorCodeOf(raw: unknown): string {
  let code = String(raw);
  if (code.includes(',')) code = code.split(',')[0]!;
  if (code.includes(':')) code = code.split(':')[0]!;
  if (code.includes('#')) code = code.split('#')[1]!;
  return code;
}

function findErrorCode(headers: IncomingHttpHeaders, data: Record<string, unknown>, order: readonly ErrorCodeSource[]): string | undefined {
  for (const source of order) {
    if (source === 'type' && data.__type !== undefined) return errorCodeOf(data.__type);
    if (source === 'code') {
      const key = Object.keys(data).find((k) => k.toLowerCase() === 'code');
      if (key && data[key] !== undefined) return errorCodeOf(data[key]);
    }
    if (source === 'header' && headers['x-amzn-errortype'] !== undefined) return errorCodeOf(headers['x-amzn-errortype']);
  }
  return undefined;
}

export function responseMetadata(status: number, headers: IncomingHttpHeaders): AwsErrorMetadata {
  const header = (name: string) => headers[name] as string | undefined;
  return {
    httpStatusCode: status,
    requestId: header('x-amzn-requestid') ?? header('x-amzn-request-id') ?? header('x-amz-request-id'),
    extendedRequestId: header('x-amz-id-2'),
    cfId: header('x-amz-cf-id'),
  };
}

/**
 * An error answer as the SDK threw it: `name` the error code, `message` from the body's
 * `message`/`Message`, every body field copied (`CancellationReasons`, `Item`, …), `$fault`,
 * `$metadata`. A body that is not JSON (a proxy's page) keeps only the status and the header's code.
 */
export function serviceError(status: number, headers: IncomingHttpHeaders, data: Record<string, unknown>, order: readonly ErrorCodeSource[]): AwsError {
  const name = findErrorCode(headers, data, order) ?? 'Unknown';
  const message = (data.message ?? data.Message ?? 'UnknownError') as string;
  const error: AwsError = new Error(message);
  for (const [key, value] of Object.entries(data)) {
    if (value !== undefined && key !== 'message' && key !== 'Message') (error as unknown as Record<string, unknown>)[key] = value;
  }
  error.name = name;
  error.$fault = status < 500 ? 'client' : 'server';
  error.$metadata = responseMetadata(status, headers);
  return error;
}
