import { limitLogins } from '../cache/rate-limits.ts';
import { AppError } from '../errors.ts';
import { findUserIdByUsername, getUser } from '../repository/users.ts';
import { hashPassword, verifyPassword } from '../users/password.ts';
import { issueToken } from './tokens.ts';

const invalidCredentials = () => new AppError(401, 'invalid_credentials', 'The username or password is not correct.');

let decoyHash: Promise<string> | undefined;

/**
 * Exchanges a username and password for a token. An unknown username costs the same reads and
 * scrypt work as a wrong password (a decoy hash is checked), and both answer the same 401, so
 * neither the answer nor its timing tells which part was wrong. Attempts are rate limited per
 * username and per client IP before anything is read, so guessing costs the guesser, not us.
 */
export async function login(username: string, password: string, sourceIp: string) {
  await limitLogins(username, sourceIp);
  const userId = await findUserIdByUsername(username);
  // Id 0 never exists: an unknown username makes the same two reads as a known one.
  const user = await getUser(userId ?? 0);
  const hash = user?.passwordHash ?? (await (decoyHash ??= hashPassword('decoy password, never valid')));
  const valid = await verifyPassword(password, hash);
  if (!user || !valid) throw invalidCredentials();
  return { ...(await issueToken(user.id)), userId: user.id };
}
