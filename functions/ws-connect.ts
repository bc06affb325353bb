import { openConnection } from '../lib/realtime/connect.ts';
import { webSocketHandler } from '../lib/realtime/ws-handler.ts';

export const handler = webSocketHandler(async ({ connectionId, query }) => {
  await openConnection(connectionId, query);
  return undefined;
});
