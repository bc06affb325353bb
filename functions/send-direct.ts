import { authMode } from '../lib/auth/mode.ts';
import { limitSends } from '../lib/cache/rate-limits.ts';
import { actingSenderId } from '../lib/http/actor.ts';
import { httpHandler } from '../lib/http/handler.ts';
import { envelope } from '../lib/http/responses.ts';
import { parse } from '../lib/http/validation.ts';
import { directMessagePath, IDEMPOTENCY_KEY_HEADER, sendMessageBody, sendMessageHeaders } from '../lib/messages/schemas.ts';
import { sendDirectMessage } from '../lib/messages/service.ts';

const bodySchema = sendMessageBody(authMode());

export const handler = httpHandler(async (request) => {
  const { user_id } = parse(directMessagePath, request.path, 'path');
  const key = parse(sendMessageHeaders, request.headers, 'headers')[IDEMPOTENCY_KEY_HEADER];
  const { from, text } = parse(bodySchema, request.body, 'body');
  const senderId = actingSenderId(request, from);
  await limitSends(senderId);
  const { taskId, replayed } = await sendDirectMessage(user_id, { from: senderId, text }, key);
  return envelope(200, taskId, replayed ? { 'Idempotent-Replayed': 'true' } : undefined);
});
