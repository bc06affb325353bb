import { SignJWT, jwtVerify } from 'jose';
import { requiredEnv } from '../config.ts';

export const TOKEN_TTL_SECONDS = 15 * 60;
const ISSUER = 'chat-serverless';
const ALGORITHM = 'HS256';

let secret: Uint8Array | undefined;

/**
 * Read on first use, so functions of a query-mode stage need no secret; token-mode functions read
 * it at cold start (lib/http/handler.ts), so a missing or short secret stops them there instead of
 * answering 401 to every request.
 */
export function signingKey(): Uint8Array {
  if (!secret) {
    const value = requiredEnv('AUTH_TOKEN_SECRET');
    if (value.length < 32) throw new Error('AUTH_TOKEN_SECRET must be at least 32 characters');
    secret = new TextEncoder().encode(value);
  }
  return secret;
}

export async function issueToken(userId: number): Promise<{ token: string; expiresIn: number }> {
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: ALGORITHM })
    .setSubject(String(userId))
    .setIssuer(ISSUER)
    .setIssuedAt()
    .setExpirationTime(`${TOKEN_TTL_SECONDS}s`)
    .sign(signingKey());
  return { token, expiresIn: TOKEN_TTL_SECONDS };
}

/** The user id a valid token speaks for, or undefined for a bad, expired or foreign token. */
export async function verifyToken(token: string): Promise<number | undefined> {
  try {
    const { payload } = await jwtVerify(token, signingKey(), { issuer: ISSUER, algorithms: [ALGORITHM] });
    const userId = Number(payload.sub);
    return Number.isSafeInteger(userId) && userId > 0 ? userId : undefined;
  } catch {
    return undefined;
  }
}
