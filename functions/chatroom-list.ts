import { actingUserId, requireLiveToken } from '../lib/http/actor.ts';
import { httpHandler } from '../lib/http/handler.ts';
import { envelope } from '../lib/http/responses.ts';
import { listRooms } from '../lib/rooms/service.ts';

export const handler = httpHandler(async (request) => {
  const userId = actingUserId(request);
  // The anonymous view never reads the acting user: in token mode, check that the token's user still exists.
  const [rooms] = await Promise.all([listRooms(userId), userId === undefined ? requireLiveToken(request) : undefined]);
  return envelope(200, rooms);
});
