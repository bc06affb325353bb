import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { StoredMessage } from '../messages/model.ts';
import { MEMBER_PREFIX, MESSAGE_PREFIX } from '../repository/keys.ts';

/**
 * What the chat table's stream tells live delivery, in stream order: a message was stored, a
 * membership began or ended, a member's read watermark moved. `recordId` is the stream record's
 * sequence number (what a partial batch failure reports).
 */
export type RoomEvent =
  | { kind: 'message'; roomId: number; recordId: string; message: StoredMessage }
  | { kind: 'joined'; roomId: number; recordId: string; userId: number }
  | { kind: 'left'; roomId: number; recordId: string; userId: number }
  | { kind: 'read'; roomId: number; recordId: string; userId: number; lastSeenSequence: number };

type Image = Record<string, unknown>;

const image = (value: Record<string, AttributeValue> | undefined): Image | undefined =>
  value ? unmarshall(value as Parameters<typeof unmarshall>[0]) : undefined;

/**
 * The events of a batch of stream records. Anything else (other items, a member item whose
 * watermark did not move, e.g. the consumer listing a sender's own message) is no event: the
 * event-source filter already keeps most of it away, and this never relies on it. A watermark
 * that moved to a message its member sent in the same batch is no `read` event either: the
 * message frame says as much (docs/realtime.md, "Read receipts").
 */
export function roomEventsOf(records: DynamoDBRecord[]): RoomEvent[] {
  const events = records.flatMap((record) => eventOf(record) ?? []);
  const ownMessages = new Set(
    events.flatMap((event) => (event.kind === 'message' ? [ownMessageKey(event.roomId, event.message.senderId, event.message.sequence)] : [])),
  );
  return events.filter((event) => event.kind !== 'read' || !ownMessages.has(ownMessageKey(event.roomId, event.userId, event.lastSeenSequence)));
}

const ownMessageKey = (roomId: number, userId: number, sequence: number) => `${roomId}/${userId}/${sequence}`;

function eventOf(record: DynamoDBRecord): RoomEvent | undefined {
  const recordId = record.dynamodb?.SequenceNumber;
  const sortKey = record.dynamodb?.Keys?.SK?.S;
  if (!recordId || !sortKey) return undefined;
  const newImage = image(record.dynamodb?.NewImage);
  const oldImage = image(record.dynamodb?.OldImage);

  if (sortKey.startsWith(MESSAGE_PREFIX)) {
    if (record.eventName !== 'INSERT' || !newImage) return undefined;
    const message = toStoredMessage(newImage);
    return { kind: 'message', roomId: message.roomId, recordId, message };
  }
  if (sortKey.startsWith(MEMBER_PREFIX)) {
    const member = newImage ?? oldImage;
    if (!member) return undefined;
    const roomId = Number(member.roomId);
    const userId = Number(member.userId);
    if (record.eventName === 'INSERT') return { kind: 'joined', roomId, recordId, userId };
    if (record.eventName === 'REMOVE') return { kind: 'left', roomId, recordId, userId };
    const before = Number(oldImage?.lastSeenSequence ?? 0);
    const after = Number(newImage?.lastSeenSequence ?? 0);
    return after > before ? { kind: 'read', roomId, recordId, userId, lastSeenSequence: after } : undefined;
  }
  return undefined;
}

function toStoredMessage(item: Image): StoredMessage {
  return {
    roomId: Number(item.roomId),
    sequence: Number(item.sequence),
    senderId: Number(item.senderId),
    text: String(item.text),
    sentAt: String(item.sentAt),
    taskId: String(item.taskId),
  };
}

/** The events grouped by room, each room's in stream order. */
export function byRoom(events: RoomEvent[]): Map<number, RoomEvent[]> {
  const rooms = new Map<number, RoomEvent[]>();
  for (const event of events) rooms.set(event.roomId, [...(rooms.get(event.roomId) ?? []), event]);
  return rooms;
}
