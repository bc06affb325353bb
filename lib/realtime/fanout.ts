import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import pMap from 'p-map';
import { logger } from '../log.ts';
import { readAudience, roomMemberIds } from '../repository/connections.ts';
import { sendDeliveries } from './deliver.ts';
import { namedUsersOf, planRoomDeliveries, recipientsOf } from './fanout-plan.ts';
import { byRoom, roomEventsOf, type RoomEvent } from './stream-events.ts';

/** Rooms of one batch fanned out at once. */
const ROOM_CONCURRENCY = 8;

/**
 * Live delivery of a batch of the chat table's stream records (docs/realtime.md): per room, ONE
 * Query of its member set and ONE BatchGetItem of its name, the named users and the members'
 * connection lists (more calls only past 100 keys), then the frames, posted in order per
 * connection. Stream records of a room share its partition key, so Lambda hands them over in
 * order, one batch after the other. A room whose reads fail is reported as a partial batch
 * failure from its first record on: Lambda retries from there (later records of other rooms too,
 * whose frames then come twice — clients drop them by sequence); records before it are not
 * posted again.
 */
export async function fanOut(records: DynamoDBRecord[], now = () => Date.now()): Promise<DynamoDBBatchResponse> {
  const order = new Map(records.map((record, index) => [record.dynamodb?.SequenceNumber, index]));
  const failed = await pMap(
    byRoom(roomEventsOf(records)),
    async ([roomId, events]) => {
      try {
        await fanOutRoom(roomId, events, now);
        return undefined;
      } catch (error) {
        logger.error('fan-out of a room failed; its records will be retried', { roomId, error: error as Error });
        return events[0]!.recordId;
      }
    },
    { concurrency: ROOM_CONCURRENCY },
  );
  const first = failed
    .filter((recordId): recordId is string => recordId !== undefined)
    .sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0))[0];
  return { batchItemFailures: first === undefined ? [] : [{ itemIdentifier: first }] };
}

async function fanOutRoom(roomId: number, events: RoomEvent[], now: () => number): Promise<void> {
  const memberIds = await roomMemberIds(roomId);
  const at = now();
  const audience = await readAudience({
    roomId: events.some((event) => event.kind === 'message') ? roomId : undefined,
    namedUserIds: namedUsersOf(events),
    recipientIds: recipientsOf(events, memberIds),
    now: at,
  });
  await sendDeliveries(planRoomDeliveries(events, { roomId, memberIds, ...audience }), at);
}
