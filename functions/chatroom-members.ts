import { actingUserId } from '../lib/http/actor.ts';
import { httpHandler } from '../lib/http/handler.ts';
import { envelope } from '../lib/http/responses.ts';
import { parse } from '../lib/http/validation.ts';
import { roomIdPath, roomMembersQuery } from '../lib/rooms/schemas.ts';
import { roomMembers } from '../lib/rooms/service.ts';

export const handler = httpHandler(async (request) => {
  const { id } = parse(roomIdPath, request.path, 'path');
  return envelope(200, await roomMembers(id, actingUserId(request, { required: true }), parse(roomMembersQuery, request.query, 'query')));
});
