/**
 * A user's live WebSocket connections (docs/realtime.md, "Connections"). Pure rules; the items
 * are in lib/repository/connections.ts.
 */

/** API Gateway closes every WebSocket connection after 2 hours; an entry cannot outlive that. */
export const CONNECTION_LIFETIME_MS = 2 * 60 * 60 * 1000;

/**
 * Most live connections of one user (tabs, devices). Bounds the user's connection item and what
 * one member costs a fan-out; opening one more closes the oldest.
 */
export const MAX_CONNECTIONS_PER_USER = 10;

/**
 * A connection this young that answers 410 is not deleted: API Gateway refuses posts to a
 * connection until its $connect has returned (up to the 29 s integration timeout), and the client
 * catches up from history once it is open anyway.
 */
export const CONNECT_GRACE_MS = 30_000;

/** A user's connections: connection id → when it was opened (epoch ms). */
export type ConnectionMap = Record<string, number>;

export interface LiveConnection {
  connectionId: string;
  userId: number;
  connectedAt: number;
}

export const isLive = (connectedAt: number, now: number) => now < connectedAt + CONNECTION_LIFETIME_MS;

/** When a connection's items may be deleted by DynamoDB's TTL (epoch seconds). */
export const expiresAt = (connectedAt: number) => Math.ceil((connectedAt + CONNECTION_LIFETIME_MS) / 1000);

/**
 * A user's connections once `connectionId` opens at `now`: expired entries (closed without
 * $disconnect, which AWS delivers only on a best-effort basis) are dropped, and beyond
 * MAX_CONNECTIONS_PER_USER the oldest are evicted.
 */
export function admitConnection(current: ConnectionMap, connectionId: string, now: number): { kept: ConnectionMap; evicted: string[] } {
  const live = Object.entries(current).filter(([id, at]) => id !== connectionId && isLive(at, now));
  live.sort(([idA, a], [idB, b]) => a - b || idA.localeCompare(idB));
  const evictCount = Math.max(0, live.length + 1 - MAX_CONNECTIONS_PER_USER);
  return {
    kept: Object.fromEntries([...live.slice(evictCount), [connectionId, now]]),
    evicted: live.slice(0, evictCount).map(([id]) => id),
  };
}
