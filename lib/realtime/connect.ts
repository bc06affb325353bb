import { authMode } from '../auth/mode.ts';
import { verifyToken } from '../auth/tokens.ts';
import { AppError } from '../errors.ts';
import { actingUserId, requireExistingUser } from '../http/actor.ts';
import { logger } from '../log.ts';
import { registerConnection } from '../repository/connections.ts';
import { closeConnection } from './management.ts';

const mode = authMode();

/**
 * $connect: who opens this socket, decided as for the REST API — query mode `?user_id=N`, token
 * mode `?token=<access token>` (browsers cannot set headers on a WebSocket), where a `user_id`
 * naming anyone else is 403 — and the user must exist. Then the connection is recorded; the
 * oldest of the user's connections beyond the limit is closed. Throws AppError to refuse.
 */
export async function openConnection(connectionId: string, query: Record<string, string | undefined>, now = Date.now()): Promise<number> {
  const auth = mode === 'token' ? { userId: await tokenUser(query.token) } : undefined;
  const userId = actingUserId({ query, ...(auth ? { auth } : {}) }, { required: true });
  await requireExistingUser(userId);
  const { evicted } = await registerConnection({ connectionId, userId, connectedAt: now });
  await Promise.all(
    evicted.map((id) =>
      closeConnection(id).catch((error: unknown) => logger.warn('closing an evicted connection failed', { connectionId: id, error: error as Error })),
    ),
  );
  return userId;
}

async function tokenUser(token: string | undefined): Promise<number> {
  if (!token) throw new AppError(401, 'unauthorized', 'This WebSocket needs ?token=<access token>: POST /auth/token/ gives one.');
  const userId = await verifyToken(token);
  if (userId === undefined) throw new AppError(401, 'invalid_token', 'The token is malformed, expired or not ours.');
  return userId;
}
