import { actingUserId } from '../lib/http/actor.ts';
import { httpHandler } from '../lib/http/handler.ts';
import { envelope } from '../lib/http/responses.ts';
import { parse } from '../lib/http/validation.ts';
import { roomMessagesPath, roomMessagesQuery } from '../lib/reading/schemas.ts';
import { readRoomMessages } from '../lib/reading/service.ts';

export const handler = httpHandler(async (request) => {
  const { room_id } = parse(roomMessagesPath, request.path, 'path');
  const { page, seenBy } = parse(roomMessagesQuery, request.query, 'query');
  return envelope(200, await readRoomMessages(room_id, actingUserId(request, { required: true }), page, { seenBy }));
});
