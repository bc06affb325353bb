import { pongFrame } from '../lib/realtime/frames.ts';
import { webSocketHandler } from '../lib/realtime/ws-handler.ts';

export const handler = webSocketHandler(async () => pongFrame());
