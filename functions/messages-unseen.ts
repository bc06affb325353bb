import { actingUserId } from '../lib/http/actor.ts';
import { httpHandler } from '../lib/http/handler.ts';
import { envelope } from '../lib/http/responses.ts';
import { parse } from '../lib/http/validation.ts';
import { unseenQuery } from '../lib/reading/schemas.ts';
import { unseenMessages } from '../lib/reading/service.ts';

export const handler = httpHandler(async (request) => {
  const { waitSeconds } = parse(unseenQuery, request.query, 'query');
  return envelope(200, await unseenMessages(actingUserId(request, { required: true }), { waitSeconds, remainingMs: request.remainingMs }));
});
