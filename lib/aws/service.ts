/**
 * A thin AWS client for the Lambda functions: Signature V4 (@smithy/signature-v4), one request over
 * node:https, bounded attempts with jittered backoff, and AWS's error answers as the SDK threw
 * them. lib/aws/dynamodb.ts, sqs.ts and management.ts speak the three protocols we use.
 *
 * Why not the AWS SDK v3 clients: they were ~170 KB of a 250 KB bundle and ~25 ms of every cold
 * import, and the first request of a client cost another ~30 ms of lazy initialisation; this
 * client's first request costs a few ms. Why not a smaller library: @aws-lite/client is CommonJS,
 * 118 KB with its DynamoDB plugin, ~20 ms to import, and reads configuration files at run time;
 * fetch-based signers (aws4fetch) load undici on the first request (~45 ms). docs/performance.md,
 * "Bundles", has the figures and what the SDK did that this client does not.
 */
import { optionalEnv } from '../config.ts';
import { isThrottlingError, isTransientError, responseMetadata, serviceError, type AwsError, type AwsErrorMetadata, type ErrorCodeSource } from './errors.ts';
import { exchange, type HttpAnswer, type HttpLimits } from './http.ts';
import { environment, signer, type AwsCredentials } from './signing.ts';

export interface RetryLimits extends HttpLimits {
  /** Attempts per call, the first included. */
  maxAttempts: number;
  /** Backoff before retry n (from 0): random up to min(base × 2ⁿ, maxBackoffMs); throttling has its own base. */
  baseDelayMs: number;
  throttlingBaseDelayMs: number;
  maxBackoffMs: number;
}

export interface ServiceOptions {
  /** The signing name: `dynamodb`, `sqs`, `execute-api`. */
  signingName: string;
  limits: RetryLimits;
  errorCodeOrder: readonly ErrorCodeSource[];
  region?: string | undefined;
  credentials?: AwsCredentials | undefined;
  /** The signing clock (tests fix it). */
  now?: () => Date;
}

/** What a client of one service is given: its budgets and, for tests, its region, credentials and clock. */
export interface ClientOptions {
  limits: Pick<RetryLimits, 'connectionTimeoutMs' | 'requestTimeoutMs' | 'maxAttempts'> & Partial<Pick<RetryLimits, 'maxBackoffMs'>>;
  region?: string;
  credentials?: AwsCredentials;
  now?: () => Date;
}

/**
 * A service's client: its signing name, where its error answers keep their code, and the SDK's
 * base delay for it; throttling backs off from 500 ms, and no backoff exceeds 500 ms unless the
 * limits say otherwise.
 */
export function serviceClient(signingName: string, errorCodeOrder: readonly ErrorCodeSource[], baseDelayMs: number, options: ClientOptions): AwsService {
  return new AwsService({
    signingName,
    limits: { baseDelayMs, throttlingBaseDelayMs: 500, maxBackoffMs: 500, ...options.limits },
    errorCodeOrder,
    region: options.region,
    credentials: options.credentials,
    ...(options.now ? { now: options.now } : {}),
  });
}

export interface ServiceRequest {
  /** `https://host[:port]`, no path. */
  origin: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface ServiceAnswer {
  status: number;
  /** The answer's JSON body (`{}` when empty). */
  data: Record<string, unknown>;
  $metadata: AwsErrorMetadata;
}

/** The regional endpoint of a service: AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL, as the SDK reads them. */
export function configuredEndpoint(serviceId: string): string | undefined {
  return optionalEnv(`AWS_ENDPOINT_URL_${serviceId}`) ?? optionalEnv('AWS_ENDPOINT_URL');
}

export function regionalEndpoint(prefix: string, region: string): string {
  return `https://${prefix}.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class AwsService {
  readonly region: string | undefined;
  private readonly options: ServiceOptions;
  private sign: ReturnType<typeof signer> | undefined;

  constructor(options: ServiceOptions) {
    this.options = options;
    this.region = options.region ?? environment.region;
  }

  /** One call: signed attempts until an answer, an error not worth retrying, or the last attempt. */
  async call(request: ServiceRequest): Promise<ServiceAnswer> {
    const { limits } = this.options;
    let totalRetryDelay = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        const answer = await this.attempt(request);
        return { status: answer.status, data: parseBody(answer.body), $metadata: { ...responseMetadata(answer.status, answer.headers), attempts: attempt, totalRetryDelay } };
      } catch (caught) {
        const error = caught as AwsError;
        const throttled = error instanceof Error && isThrottlingError(error);
        if (attempt >= limits.maxAttempts || !(error instanceof Error) || !(throttled || isTransientError(error))) {
          if (error instanceof Error) error.$metadata = { ...error.$metadata, attempts: attempt, totalRetryDelay };
          throw error;
        }
        const base = throttled ? limits.throttlingBaseDelayMs : limits.baseDelayMs;
        const delay = Math.floor(Math.random() * Math.min(base * 2 ** (attempt - 1), limits.maxBackoffMs));
        totalRetryDelay += delay;
        await sleep(delay);
      }
    }
  }

  private async attempt(request: ServiceRequest): Promise<HttpAnswer> {
    const url = new URL(request.origin);
    const headers: Record<string, string> = { ...request.headers, host: url.host };
    if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body));
    const signed = await this.signer()(
      { method: request.method, protocol: url.protocol, hostname: url.hostname, ...(url.port ? { port: Number(url.port) } : {}), path: request.path, headers, body: request.body },
      this.options.now?.() ?? new Date(),
    );
    // Lambda's recursive-loop detection follows the trace header through SQS, as the SDK passed it on.
    const traceId = process.env.AWS_LAMBDA_FUNCTION_NAME && process.env._X_AMZN_TRACE_ID;
    if (traceId) signed['x-amzn-trace-id'] = traceId;
    const answer = await exchange({ origin: url.origin, method: request.method, path: request.path, headers: signed, body: request.body }, this.options.limits);
    if (answer.status < 200 || answer.status >= 300) {
      let data: Record<string, unknown> = {};
      try {
        data = parseBody(answer.body);
      } catch {
        // Not JSON (a proxy's error page): the status and the header say what there is to say.
      }
      throw serviceError(answer.status, answer.headers, data, this.options.errorCodeOrder);
    }
    return answer;
  }

  private signer(): ReturnType<typeof signer> {
    if (this.sign) return this.sign;
    const credentials = this.options.credentials ?? environment.credentials;
    if (!credentials) throw Object.assign(new Error('No AWS credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set'), { name: 'CredentialsProviderError' });
    if (!this.region) throw new Error('No AWS region: AWS_REGION is not set');
    this.sign = signer(this.options.signingName, this.region, credentials);
    return this.sign;
  }
}

/**
 * JSON as the SDK's JSON protocols read it, with DynamoDB's binary values (`B`, `BS`) decoded from
 * base64 to bytes; the reviver only runs when the text has such a key, as it slows a parse down.
 */
export function parseBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  const text = body.toString('utf8');
  return JSON.parse(text, /"BS?":/.test(text) ? binaryReviver : undefined) as Record<string, unknown>;
}

function binaryReviver(key: string, value: unknown): unknown {
  if (key === 'B' && typeof value === 'string') return new Uint8Array(Buffer.from(value, 'base64'));
  if (key === 'BS' && Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.map((v: string) => new Uint8Array(Buffer.from(v, 'base64')));
  return value;
}

/** JSON with bytes (DynamoDB's `B` and `BS` values) as base64, as the SDK's JSON protocols write them. */
export function jsonBody(input: unknown): string {
  return JSON.stringify(input, function (this: Record<string, unknown>, key: string, value: unknown) {
    const raw = this[key];
    return raw instanceof Uint8Array ? Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64') : value;
  });
}
