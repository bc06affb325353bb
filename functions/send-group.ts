import { httpHandler } from '../lib/http/handler.ts';
import { envelope } from '../lib/http/responses.ts';
import { parse } from '../lib/http/validation.ts';
import { groupMessagePath, IDEMPOTENCY_KEY_HEADER, sendMessageBody, sendMessageHeaders } from '../lib/messages/schemas.ts';
import { sendGroupMessage } from '../lib/messages/service.ts';

export const handler = httpHandler(async ({ path, body, headers }) => {
  const { room_id } = parse(groupMessagePath, path, 'path');
  const key = parse(sendMessageHeaders, headers, 'headers')[IDEMPOTENCY_KEY_HEADER];
  const { taskId, replayed } = await sendGroupMessage(room_id, parse(sendMessageBody, body, 'body'), key);
  return envelope(200, taskId, replayed ? { 'Idempotent-Replayed': 'true' } : undefined);
});
