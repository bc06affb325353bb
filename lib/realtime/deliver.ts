import pMap from 'p-map';
import { logger } from '../log.ts';
import { forgetConnection } from '../repository/connections.ts';
import { CONNECT_GRACE_MS } from './connections.ts';
import type { Delivery } from './fanout-plan.ts';
import { postFrame } from './management.ts';

/** Connections posted to at once by one function instance. */
export const POST_CONCURRENCY = 50;

/**
 * Posts each connection its frames one after another (so they arrive in order), many connections
 * at a time. A connection that answers 410 gets nothing more and is forgotten (unless it is still
 * opening, CONNECT_GRACE_MS); any other failure is logged and skips that connection's remaining
 * frames: its client sees the gap in the sequence numbers and catches up from history. Nothing here
 * fails the fan-out: retrying it would post again to everyone who already received.
 */
export async function sendDeliveries(deliveries: Delivery[], now: number): Promise<void> {
  await pMap(
    deliveries,
    async ({ connection, frames }) => {
      for (const frame of frames) {
        let outcome: 'sent' | 'gone';
        try {
          outcome = await postFrame(connection.connectionId, frame);
        } catch (error) {
          logger.warn('post to connection failed', { connectionId: connection.connectionId, error: error as Error });
          return;
        }
        if (outcome === 'gone') {
          if (now - connection.connectedAt >= CONNECT_GRACE_MS) {
            await forgetConnection(connection.userId, connection.connectionId).catch((error: unknown) =>
              logger.warn('forgetting a gone connection failed', { connectionId: connection.connectionId, error: error as Error }),
            );
          }
          return;
        }
      }
    },
    { concurrency: POST_CONCURRENCY },
  );
}
