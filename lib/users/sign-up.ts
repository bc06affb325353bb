import { authMode } from '../auth/mode.ts';
import { limitSignUps } from '../cache/rate-limits.ts';
import type { PublicUser } from './model.ts';
import type { CreateUserInput } from './schemas.ts';
import { createUser } from './service.ts';

/**
 * POST /users/: sign-up. In token mode (a public endpoint of a deployed stage) it is limited per
 * client IP first: every sign-up costs an scrypt hash (32 MiB, tens of ms). A module of its own, so
 * only the sign-up function bundles the rate limiter.
 */
export async function signUp(input: CreateUserInput, sourceIp: string): Promise<PublicUser> {
  if (authMode() === 'token') await limitSignUps(sourceIp);
  return createUser(input);
}
