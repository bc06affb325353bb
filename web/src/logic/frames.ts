/**
 * The WebSocket frames of docs/realtime.md, parsed: a frame that is not valid JSON or lacks a
 * field its type needs is dropped (undefined), never half-applied. Pure.
 */
import type { Message } from '../api/client.ts';

/** The user a frame is about. */
export interface FrameUser {
  id: number;
  username: string | null;
}

/** The object GET /chat/messages/:room_id/ returns for a message (the document's ReadMessage). */
export type FrameMessage = Message;

export type ServerFrame =
  | { type: 'message'; room_id: number; sequence: number; message: FrameMessage }
  | { type: 'member_joined' | 'member_left'; room_id: number; user: FrameUser }
  | { type: 'read'; room_id: number; user: FrameUser; last_seen_sequence: number }
  | { type: 'typing'; room_id: number; user: FrameUser }
  | { type: 'pong' }
  /** The answer to a client frame that could not be handled (code: unknown_action, validation_failed, forbidden, not_connected, internal). */
  | { type: 'error'; code: string; message: string };

export type ClientFrame = { action: 'ping' } | { action: 'typing'; room_id: number };

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const isId = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
const isSequence = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/** `{id, username}`, or a bare id (username unknown). */
function user(value: unknown): FrameUser | undefined {
  if (isId(value)) return { id: value, username: null };
  if (!isObject(value) || !isId(value.id)) return undefined;
  return { id: value.id, username: typeof value.username === 'string' ? value.username : null };
}

function message(value: unknown): FrameMessage | undefined {
  if (!isObject(value) || !isSequence(value.sequence) || typeof value.text !== 'string') return undefined;
  const from = user(value.msg_from);
  const room = value.room;
  if (!from || !isObject(room) || !isId(room.id) || typeof room.room_name !== 'string') return undefined;
  return {
    id: typeof value.id === 'string' ? value.id : `${room.id}-${value.sequence}`,
    sequence: value.sequence,
    room: { id: room.id, room_name: room.room_name },
    msg_from: from,
    text: value.text,
    sent_at: typeof value.sent_at === 'string' ? value.sent_at : '',
  };
}

export function parseFrame(data: unknown): ServerFrame | undefined {
  let value: unknown;
  try {
    value = typeof data === 'string' ? JSON.parse(data) : undefined;
  } catch {
    return undefined;
  }
  if (!isObject(value)) return undefined;
  if (value.type === 'pong') return { type: 'pong' };
  if (value.type === 'error') {
    return typeof value.code === 'string' ? { type: 'error', code: value.code, message: typeof value.message === 'string' ? value.message : '' } : undefined;
  }
  if (!isId(value.room_id)) return undefined;
  const roomId = value.room_id;
  switch (value.type) {
    case 'message': {
      const m = message(value.message);
      const sequence = isSequence(value.sequence) ? value.sequence : m?.sequence;
      // The frame's sequence and its message's must agree, and the message must be of this room.
      if (!m || sequence === undefined || m.sequence !== sequence || m.room.id !== roomId) return undefined;
      return { type: 'message', room_id: roomId, sequence, message: m };
    }
    case 'member_joined':
    case 'member_left':
    case 'typing': {
      const u = user(value.user);
      return u ? { type: value.type, room_id: roomId, user: u } : undefined;
    }
    case 'read': {
      const u = user(value.user);
      return u && isSequence(value.last_seen_sequence) ? { type: 'read', room_id: roomId, user: u, last_seen_sequence: value.last_seen_sequence } : undefined;
    }
    default:
      return undefined;
  }
}

export const encodeFrame = (frame: ClientFrame) => JSON.stringify(frame);
