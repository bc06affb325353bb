import { isServerError, isThrottlingError, isTransientError } from './aws/errors.ts';

export type FieldErrors = Record<string, string[]>;

/**
 * The one error type of the API. Anything thrown that is not an AppError is a bug and answers 500.
 * `code` is stable and documented; `detail` is for humans.
 */
export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly errors: FieldErrors | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(
    status: number,
    code: string,
    detail: string,
    options: { errors?: FieldErrors; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.name = 'AppError';
    this.status = status;
    this.code = code;
    this.errors = options.errors;
    this.headers = options.headers;
  }
}

export const validationFailed = (detail: string, errors?: FieldErrors) =>
  new AppError(400, 'validation_failed', detail, errors ? { errors } : {});

export const malformedJson = () =>
  new AppError(400, 'malformed_json', 'The request body is not valid JSON.');

export const payloadTooLarge = (limitBytes: number) =>
  new AppError(413, 'payload_too_large', `The request body exceeds ${limitBytes} bytes.`);

export const notFound = (what: string) => new AppError(404, 'not_found', `${what} not found.`);

export const forbidden = (detail: string) => new AppError(403, 'forbidden', detail);

export const conflict = (detail: string, errors?: FieldErrors) =>
  new AppError(409, 'conflict', detail, errors ? { errors } : {});

export const serviceUnavailable = (detail: string) =>
  new AppError(503, 'service_unavailable', detail, { headers: { 'Retry-After': '1' } });

/**
 * 429 with `Retry-After` and the RateLimit header fields (draft-ietf-httpapi-ratelimit-headers:
 * limit, remaining, and seconds until the window resets).
 */
export const tooManyRequests = (detail: string, limit: { limit: number; remaining: number; resetSeconds: number }) => {
  const seconds = String(Math.max(1, Math.ceil(limit.resetSeconds)));
  return new AppError(429, 'rate_limited', detail, {
    headers: {
      'Retry-After': seconds,
      'RateLimit-Limit': String(limit.limit),
      'RateLimit-Remaining': String(limit.remaining),
      'RateLimit-Reset': seconds,
    },
  });
};

export const preconditionFailed = (detail: string) => new AppError(412, 'precondition_failed', detail);

type ServiceError = Omit<Error, 'cause'> & {
  cause?: Error;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  CancellationReasons?: { Code?: string; Message?: string }[];
};

const ITEM_TOO_LARGE = /item size .*exceeded|exceeds? the maximum allowed size/i;

/**
 * The clean answer to a failure of DynamoDB or SQS that is not the request's fault, recognised
 * by error name and `$metadata` with the AWS SDK's classification (lib/aws/errors.ts, which our
 * retries follow too):
 * throttled, down, not answering in time, or a 5xx → 503 with Retry-After; a transaction that
 * kept conflicting after our retries → 409; an item over DynamoDB's 400 KB → 413. Anything else
 * is not a service failure (undefined): a bug, answered 500. The HTTP middleware calls this, once.
 */
export function serviceFailure(error: unknown): AppError | undefined {
  if (!(error instanceof Error)) return undefined;
  const failed = error as ServiceError;
  const reasons = failed.name === 'TransactionCanceledException' ? (failed.CancellationReasons ?? []) : [];
  const reason = (code: string) => reasons.some((entry) => entry.Code === code);
  if (isThrottlingError(failed) || reason('ThrottlingError') || reason('ProvisionedThroughputExceeded')) {
    return new AppError(503, 'service_unavailable', 'The database is busy; try again in a moment.', { headers: { 'Retry-After': '1' } });
  }
  if (isTransientError(failed) || isServerError(failed) || reason('InternalServerError')) {
    return new AppError(503, 'service_unavailable', 'A service this request needs is not answering; nothing was changed unless its answer says so. Try again.', {
      headers: { 'Retry-After': '5' },
    });
  }
  if (reason('TransactionConflict')) return conflict('Another request changed the same data at the same time; retry.');
  const tooLarge = [failed.message, ...reasons.map((entry) => entry.Message ?? '')].some((text) => ITEM_TOO_LARGE.test(text));
  if ((failed.name === 'ValidationException' || reason('ValidationError')) && tooLarge) {
    return new AppError(413, 'item_too_large', 'The change would make a stored item larger than the database allows.');
  }
  return undefined;
}
