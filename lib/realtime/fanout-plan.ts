import type { ReaderUserName } from '../reading/model.ts';
import { toReadMessage } from '../reading/model.ts';
import { memberJoinedFrame, memberLeftFrame, messageFrame, readFrame, type ServerFrame } from './frames.ts';
import type { LiveConnection } from './connections.ts';
import type { RoomEvent } from './stream-events.ts';

/** What a room's fan-out read: its current members, their connections, the names it shows. */
export interface RoomAudience {
  roomId: number;
  /** The room's name (a message frame shows it); undefined once the room is gone. */
  roomName: string | undefined;
  /** Current members, from the room's MEMBER# items. */
  memberIds: number[];
  /** Live connections of the members and of anyone who just left. */
  connections: LiveConnection[];
  /** Usernames of senders, joiners, leavers and readers; absent once a user is deleted. */
  usernames: Map<number, string>;
}

/** The frames one connection is sent, in the room's order. */
export interface Delivery {
  connection: LiveConnection;
  frames: ServerFrame[];
}

/**
 * A room's events turned into frames per connection. Who receives an event is decided by the
 * membership at fan-out time: every connection of every current member — and, for `member_left`,
 * the leaver's own connections too (their other tabs drop the room). Frames keep the events' order.
 */
export function planRoomDeliveries(events: RoomEvent[], audience: RoomAudience): Delivery[] {
  const name = (id: number): ReaderUserName => ({ id, username: audience.usernames.get(id) ?? null });
  const members = new Set(audience.memberIds);
  const deliveries = new Map(audience.connections.map((connection) => [connection.connectionId, { connection, frames: [] as ServerFrame[] }]));

  for (const event of events) {
    const frame = frameOf(event, audience, name);
    if (!frame) continue;
    for (const delivery of deliveries.values()) {
      const userId = delivery.connection.userId;
      if (members.has(userId) || (event.kind === 'left' && userId === event.userId)) delivery.frames.push(frame);
    }
  }
  return [...deliveries.values()].filter((delivery) => delivery.frames.length > 0);
}

function frameOf(event: RoomEvent, audience: RoomAudience, name: (id: number) => ReaderUserName): ServerFrame | undefined {
  switch (event.kind) {
    case 'message':
      // A message of a room deleted meanwhile has nobody left to tell.
      return audience.roomName === undefined
        ? undefined
        : messageFrame(toReadMessage(event.message, { id: event.roomId, room_name: audience.roomName }, name));
    case 'joined':
      return memberJoinedFrame(event.roomId, name(event.userId));
    case 'left':
      return memberLeftFrame(event.roomId, name(event.userId));
    case 'read':
      return readFrame(event.roomId, name(event.userId), event.lastSeenSequence);
  }
}

/** Users whose connections a room's fan-out needs: current members and those who just left. */
export function recipientsOf(events: RoomEvent[], memberIds: number[]): number[] {
  return [...new Set([...memberIds, ...events.flatMap((event) => (event.kind === 'left' ? [event.userId] : []))])];
}

/** Users a room's frames name. */
export function namedUsersOf(events: RoomEvent[]): number[] {
  return [...new Set(events.map((event) => (event.kind === 'message' ? event.message.senderId : event.userId)))];
}
