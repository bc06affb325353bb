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
