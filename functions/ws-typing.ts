import { parse } from '../lib/http/validation.ts';
import { typingAction } from '../lib/realtime/frames.ts';
import { relayTyping } from '../lib/realtime/typing.ts';
import { webSocketHandler } from '../lib/realtime/ws-handler.ts';

export const handler = webSocketHandler(async ({ connectionId, body }) => {
  const { room_id } = parse(typingAction, body, 'frame');
  await relayTyping(connectionId, room_id);
  return undefined;
});
