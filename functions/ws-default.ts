import { AppError } from '../lib/errors.ts';
import { CLIENT_ACTIONS } from '../lib/realtime/frames.ts';
import { webSocketHandler } from '../lib/realtime/ws-handler.ts';

export const handler = webSocketHandler(async () => {
  throw new AppError(400, 'unknown_action', `A frame must be a JSON object whose "action" is one of: ${CLIENT_ACTIONS.join(', ')}.`);
});
