import { httpHandler } from '../lib/http/handler.ts';
import { envelope } from '../lib/http/responses.ts';
import { parse } from '../lib/http/validation.ts';
import { directMessagePath, IDEMPOTENCY_KEY_HEADER, sendMessageBody, sendMessageHeaders } from '../lib/messages/schemas.ts';
import { sendDirectMessage } from '../lib/messages/service.ts';

export const handler = httpHandler(async ({ path, body, headers }) => {
  const { user_id } = parse(directMessagePath, path, 'path');
  const key = parse(sendMessageHeaders, headers, 'headers')[IDEMPOTENCY_KEY_HEADER];
  const { taskId, replayed } = await sendDirectMessage(user_id, parse(sendMessageBody, body, 'body'), key);
  return envelope(200, taskId, replayed ? { 'Idempotent-Replayed': 'true' } : undefined);
});
