import type { RoomSummary, UserName } from '../rooms/model.ts';

/**
 * A message's text is 1..4000 characters (code points) after trimming. Chat APIs cap a message at a
 * few thousand characters (Slack recommends ≤ 4,000, Discord allows 2,000–4,000); 4,000 is above the
 * seed model's declared 1,024, and at ≤ 16 KB in UTF-8 a message stays far below SQS's 256 KB message
 * and DynamoDB's 400 KB item limits, so its write cost stays bounded.
 */
export const MAX_MESSAGE_CHARACTERS = 4000;

/** What the API puts on the queue: everything the consumer needs, nothing it must look up twice. */
export interface QueuedMessage {
  taskId: string;
  roomId: number;
  senderId: number;
  text: string;
  /** When the API accepted the send; becomes the message's sent_at. */
  acceptedAt: string;
  /** The client's Idempotency-Key, for tracing. */
  clientKey?: string;
}

/** A stored message (the `ROOM#id / MSG#sequence` item). */
export interface StoredMessage {
  roomId: number;
  sequence: number;
  senderId: number;
  text: string;
  sentAt: string;
  taskId: string;
}

/** A message as the API shows it (the seed's shape plus the room sequence). */
export interface MessageView {
  id: string;
  sequence: number;
  room: RoomSummary;
  msg_from: UserName;
  text: string;
  sent_at: string;
}

export function toMessageView(message: StoredMessage, room: RoomSummary, sender: UserName): MessageView {
  return {
    id: `${message.roomId}-${message.sequence}`,
    sequence: message.sequence,
    room: { id: room.id, room_name: room.room_name },
    msg_from: { id: sender.id, username: sender.username },
    text: message.text,
    sent_at: message.sentAt,
  };
}

/** The FIFO group of a room: one room's messages are persisted one after another, in order. */
export const messageGroupId = (roomId: number) => `room-${roomId}`;

export const codePoints = (value: string) => [...value].length;
