import * as z from 'zod/mini';
import { idValue } from '../http/fields.ts';
import type { ReaderUserName, ReadMessage } from '../reading/model.ts';

/**
 * The WebSocket protocol (docs/realtime.md): every frame the server sends is one JSON object with
 * a `type`; every frame a client sends is one JSON object with an `action`.
 */
export type ServerFrame =
  | MessageFrame
  | { type: 'member_joined'; room_id: number; user: ReaderUserName }
  | { type: 'member_left'; room_id: number; user: ReaderUserName }
  | { type: 'read'; room_id: number; user: ReaderUserName; last_seen_sequence: number }
  | { type: 'typing'; room_id: number; user: ReaderUserName }
  | { type: 'pong' }
  | { type: 'error'; code: string; message: string };

/** A stored message, exactly as GET /chat/messages/:room_id/ shows it. */
export interface MessageFrame {
  type: 'message';
  room_id: number;
  sequence: number;
  message: ReadMessage;
}

export const messageFrame = (message: ReadMessage): MessageFrame => ({
  type: 'message',
  room_id: message.room.id,
  sequence: message.sequence,
  message,
});

export const memberJoinedFrame = (roomId: number, user: ReaderUserName): ServerFrame => ({ type: 'member_joined', room_id: roomId, user });
export const memberLeftFrame = (roomId: number, user: ReaderUserName): ServerFrame => ({ type: 'member_left', room_id: roomId, user });
export const readFrame = (roomId: number, user: ReaderUserName, lastSeenSequence: number): ServerFrame => ({
  type: 'read',
  room_id: roomId,
  user,
  last_seen_sequence: lastSeenSequence,
});
export const typingFrame = (roomId: number, user: ReaderUserName): ServerFrame => ({ type: 'typing', room_id: roomId, user });
export const pongFrame = (): ServerFrame => ({ type: 'pong' });
export const errorFrame = (code: string, message: string): ServerFrame => ({ type: 'error', code, message });

/** `{"action": "typing", "room_id": N}` (unknown fields ignored, as everywhere in the API). */
export const typingAction = z.object({ action: z.literal('typing'), room_id: idValue });

/** The client actions, for docs and error messages; API Gateway routes on `action`. */
export const CLIENT_ACTIONS = ['ping', 'typing'] as const;
