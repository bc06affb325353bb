import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { optionalEnv } from '../config.ts';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** What Lambda gives every function: its role's credentials and its region, in the environment. */
export const environment = {
  region: optionalEnv('AWS_REGION') ?? optionalEnv('AWS_DEFAULT_REGION'),
  credentials: credentialsFromEnvironment(),
};

function credentialsFromEnvironment(): AwsCredentials | undefined {
  const accessKeyId = optionalEnv('AWS_ACCESS_KEY_ID');
  const secretAccessKey = optionalEnv('AWS_SECRET_ACCESS_KEY');
  if (!accessKeyId || !secretAccessKey) return undefined;
  const sessionToken = optionalEnv('AWS_SESSION_TOKEN');
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
}

type Data = string | ArrayBuffer | ArrayBufferView;

const bytes = (data: Data): Buffer | string =>
  typeof data === 'string' ? data : ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);

/** SHA-256 and HMAC-SHA-256 over node:crypto, in the shape @smithy/signature-v4 takes (`new Sha256(key?)`). */
class Sha256 {
  private readonly hash: Hash | Hmac;

  constructor(secret?: Data) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }

  update(data: Data): void {
    this.hash.update(bytes(data));
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

export interface SignableRequest {
  method: string;
  protocol: string;
  hostname: string;
  port?: number;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

/**
 * Signature Version 4 with the SDK's own signer (@smithy/signature-v4, published on its own; its
 * signing-key cache included). Like the SDK it signs every header it is given and adds
 * `x-amz-content-sha256`, `x-amz-date` and, with temporary credentials, `x-amz-security-token`.
 */
export function signer(service: string, region: string, credentials: AwsCredentials) {
  const v4 = new SignatureV4({ service, region, credentials, sha256: Sha256 });
  return async (request: SignableRequest, signingDate: Date): Promise<Record<string, string>> => {
    const signed = await v4.sign({ ...request, query: {} }, { signingDate });
    return signed.headers;
  };
}
