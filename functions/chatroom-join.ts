import { actingUserId } from '../lib/http/actor.ts';
import { httpHandler } from '../lib/http/handler.ts';
import { envelope } from '../lib/http/responses.ts';
import { parse } from '../lib/http/validation.ts';
import { roomIdPath } from '../lib/rooms/schemas.ts';
import { joinRoom } from '../lib/rooms/service.ts';

export const handler = httpHandler(async (request) => {
  const { id } = parse(roomIdPath, request.path, 'path');
  await joinRoom(id, actingUserId(request, { required: true }));
  return envelope(200);
});
