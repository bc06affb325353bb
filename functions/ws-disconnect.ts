import { unregisterConnection } from '../lib/repository/connections.ts';
import { webSocketHandler } from '../lib/realtime/ws-handler.ts';

export const handler = webSocketHandler(async ({ connectionId }) => {
  await unregisterConnection(connectionId);
  return undefined;
});
