import { actingCreatorId } from '../lib/http/actor.ts';
import { httpHandler } from '../lib/http/handler.ts';
import { envelope } from '../lib/http/responses.ts';
import { parse } from '../lib/http/validation.ts';
import { createRoomBody } from '../lib/rooms/schemas.ts';
import { createGroupRoom } from '../lib/rooms/service.ts';

export const handler = httpHandler(async (request) => {
  const creatorId = actingCreatorId(request);
  return envelope(200, await createGroupRoom(parse(createRoomBody, request.body, 'body'), creatorId));
});
