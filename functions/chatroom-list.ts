import { actingUserId } from '../lib/http/actor.ts';
import { httpHandler } from '../lib/http/handler.ts';
import { envelope } from '../lib/http/responses.ts';
import { listRooms } from '../lib/rooms/service.ts';

export const handler = httpHandler(async (request) => envelope(200, await listRooms(actingUserId(request))));
