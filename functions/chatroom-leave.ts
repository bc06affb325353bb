import { actingUserId } from '../lib/http/actor.ts';
import { httpHandler } from '../lib/http/handler.ts';
import { noContent } from '../lib/http/responses.ts';
import { parse } from '../lib/http/validation.ts';
import { roomIdPath } from '../lib/rooms/schemas.ts';
import { leaveRoom } from '../lib/rooms/service.ts';

export const handler = httpHandler(async (request) => {
  const { id } = parse(roomIdPath, request.path, 'path');
  await leaveRoom(id, actingUserId(request, { required: true }));
  return noContent();
});
