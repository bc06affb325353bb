/**
 * Unread badges. The server's `unread_count` (GET /chat/chatroom/?user_id=) counts the messages
 * after the user's read watermark; but reading moves that watermark, and the long poll (and a
 * catch-up read with after=) read messages of rooms the person has not opened. So a room's count
 * has two parts: `onServer`, what the server still counts (its last answer, plus socket frames
 * since), and `offServer`, messages this client received by reading them — the server no longer
 * counts those, so a refresh keeps them. A delivery by reading takes its messages out of
 * `onServer` (where the last refresh may have counted them) into `offServer`. Opening a room
 * reads it: both parts become 0. Pure.
 */

export interface RoomUnread {
  onServer: number;
  offServer: number;
}

export type UnreadCounts = ReadonlyMap<number, RoomUnread>;

export const unreadOf = (counts: UnreadCounts, roomId: number): number => {
  const room = counts.get(roomId);
  return room ? room.onServer + room.offServer : 0;
};

/** The room list was re-read: `server` has every listed room's unread_count. Rooms no longer listed are dropped. */
export function afterRefresh(counts: UnreadCounts, server: ReadonlyMap<number, number>, openRoomId: number | undefined): UnreadCounts {
  const next = new Map<number, RoomUnread>();
  for (const [roomId, count] of server) {
    next.set(roomId, roomId === openRoomId ? { onServer: 0, offServer: 0 } : { onServer: count, offServer: counts.get(roomId)?.offServer ?? 0 });
  }
  return next;
}

/**
 * `count` messages of others arrived in a room. `read`: they came by reading (the long poll, a
 * catch-up), which marked them seen on the server; otherwise (a socket frame) the server still counts them.
 */
export function afterArrival(counts: UnreadCounts, roomId: number, openRoomId: number | undefined, count: number, read: boolean): UnreadCounts {
  if (roomId === openRoomId || count <= 0) return counts;
  const room = counts.get(roomId) ?? { onServer: 0, offServer: 0 };
  const next = new Map(counts);
  next.set(roomId, read ? { onServer: Math.max(0, room.onServer - count), offServer: room.offServer + count } : { ...room, onServer: room.onServer + count });
  return next;
}

export function afterOpen(counts: UnreadCounts, roomId: number): UnreadCounts {
  if (unreadOf(counts, roomId) === 0) return counts;
  const next = new Map(counts);
  next.set(roomId, { onServer: 0, offServer: 0 });
  return next;
}
