/**
 * Unread badges. The server's `unread_count` (GET /chat/chatroom/?user_id=) is exact for what it
 * has not marked seen; but the long poll marks what it returns as seen, so messages that arrived
 * through it while their room was not open are unread for the person yet no longer for the server.
 * The client therefore counts live arrivals itself and, on a refresh of the list, keeps the larger
 * of its count and the server's. Opening a room reads it (which marks it seen): its count is 0.
 */

export type UnreadCounts = ReadonlyMap<number, number>;

export function afterRefresh(local: UnreadCounts, server: ReadonlyMap<number, number>, openRoomId: number | undefined): UnreadCounts {
  const next = new Map<number, number>();
  for (const [roomId, count] of server) next.set(roomId, roomId === openRoomId ? 0 : Math.max(count, local.get(roomId) ?? 0));
  return next;
}

export function afterArrival(local: UnreadCounts, roomId: number, openRoomId: number | undefined, count = 1): UnreadCounts {
  if (roomId === openRoomId || count <= 0) return local;
  const next = new Map(local);
  next.set(roomId, (local.get(roomId) ?? 0) + count);
  return next;
}

export function afterOpen(local: UnreadCounts, roomId: number): UnreadCounts {
  if (!local.get(roomId)) return local;
  const next = new Map(local);
  next.set(roomId, 0);
  return next;
}
