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

/**
 * Most of a member's own messages kept above their watermark. A member who keeps posting without
 * reading would otherwise grow their membership item (and the write cost of each of their
 * messages) without bound; past this, posting counts as having read the room, as Slack does.
 */
export const MAX_OWN_AFTER_WATERMARK = 100;

/**
 * How storing message `sequence` moves its sender's read state (docs/data-model.md, "Read state"):
 * a sender whose watermark is just below it has now seen everything up to it; otherwise the
 * sequence joins the sender's own messages above the watermark, which are never unread for them —
 * unless MAX_OWN_AFTER_WATERMARK of those are already kept: then the watermark moves to it.
 */
export type SenderReadState = 'advance-watermark' | 'own-after-watermark';

export function senderReadState(lastSeenSequence: number, sequence: number, ownAfterWatermark: number): SenderReadState {
  const caughtUp = lastSeenSequence === sequence - 1;
  return caughtUp || ownAfterWatermark >= MAX_OWN_AFTER_WATERMARK ? 'advance-watermark' : 'own-after-watermark';
}

export const codePoints = (value: string) => [...value].length;
