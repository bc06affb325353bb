import { toMessageView, type MessageView, type StoredMessage } from '../messages/model.ts';
import type { RoomSummary, RoomWithMembers } from '../rooms/model.ts';
import type { PageInfo } from './page.ts';

/** A user as a reader sees them; the username is null once the user was deleted. */
export interface ReaderUserName {
  id: number;
  username: string | null;
}

/** A message as read: the send pipeline's MessageView, plus who has seen it when asked for. */
export interface ReadMessage extends Omit<MessageView, 'msg_from'> {
  msg_from: ReaderUserName;
  seen_by?: ReaderUserName[];
}

/**
 * A stored message as readers see it (GET /chat/messages/:room_id/, the unseen list and the
 * WebSocket's message frames): `name` gives the sender's current username, null once deleted.
 */
export function toReadMessage(message: StoredMessage, room: RoomSummary, name: (id: number) => ReaderUserName): ReadMessage {
  return { ...toMessageView(message, room, { id: message.senderId, username: '' }), msg_from: name(message.senderId) };
}

/** GET /chat/messages/:room_id/: the seed's room with its messages (one page) and the page's cursors. */
export interface RoomMessages extends RoomWithMembers {
  messages: ReadMessage[];
  page: PageInfo;
}

/** One room of GET /chat/messages/unseen/; `has_more`: more unseen messages than this answer holds. */
export interface UnseenRoom extends RoomWithMembers {
  messages: ReadMessage[];
  has_more: boolean;
}
