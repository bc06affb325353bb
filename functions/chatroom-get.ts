import { actingUserId, requireLiveToken } from '../lib/http/actor.ts';
import { httpHandler } from '../lib/http/handler.ts';
import { envelope } from '../lib/http/responses.ts';
import { parse } from '../lib/http/validation.ts';
import { roomIdPath } from '../lib/rooms/schemas.ts';
import { showRoom } from '../lib/rooms/service.ts';

export const handler = httpHandler(async (request) => {
  const { id } = parse(roomIdPath, request.path, 'path');
  const userId = actingUserId(request);
  // The anonymous view never reads the acting user: in token mode, check that the token's user still exists.
  const [room] = await Promise.all([showRoom(id, userId), userId === undefined ? requireLiveToken(request) : undefined]);
  return envelope(200, room);
});
