/**
 * A member's read state in a room (docs/data-model.md, "Read state"): the watermark is the highest
 * sequence they have seen; their own messages above it are never unread for them. Those are known
 * from two places: the room's recent senders (META `recentSenders`: who sent each of the room's
 * last RECENT_SENDERS messages) and, for older ones, the membership's `ownAfterWatermark`, which
 * the consumer fills only when such a message leaves the recent senders.
 */
export interface ReadState {
  lastSeenSequence: number;
  /**
   * Own messages above the watermark, listed by the consumer when one of them left the room's
   * recent senders unseen (with the member's other recent ones then); the rest are named there.
   */
  ownAfterWatermark: number[];
}

/** How many of a room's latest messages its META names the senders of. */
export const RECENT_SENDERS = 100;

/**
 * Most own messages a membership lists above its watermark. A member who keeps posting without
 * reading would otherwise grow their membership item (and the cost of writing it) without bound;
 * past this, the watermark moves up to the newest own message that no longer fits: posting counts
 * as having read the room up to there, as in Slack.
 */
export const MAX_OWN_AFTER_WATERMARK = 100;

/**
 * Who sent each of a room's latest messages: `senders[i]` sent message
 * `lastSequence − senders.length + 1 + i`, or is 0 once that message needs no more tracking
 * (listed in its sender's `ownAfterWatermark`, seen by its sender, or its sender left).
 */
export interface RoomSequence {
  lastSequence: number;
  /** Absent: none known (a room with no message since they were introduced). */
  recentSenders?: number[];
}

/** The room's recent senders with the sequence of the message each sent, oldest first. */
export function recentMessages(room: RoomSequence): { sequence: number; sender: number }[] {
  const recent = room.recentSenders ?? [];
  return recent.map((sender, i) => ({ sequence: room.lastSequence - recent.length + 1 + i, sender }));
}

/** A member's own messages above their watermark, from the membership and the room's recent senders. */
export function ownAfterWatermark(room: RoomSequence, member: ReadState & { userId: number }): Set<number> {
  const own = new Set(member.ownAfterWatermark.filter((sequence) => sequence > member.lastSeenSequence));
  for (const { sequence, sender } of recentMessages(room)) if (sender === member.userId && sequence > member.lastSeenSequence) own.add(sequence);
  return own;
}

/**
 * Messages of the room the member has not seen and did not send:
 * lastSequence − lastSeenSequence − |own messages in (lastSeenSequence, lastSequence]|, never below 0.
 */
export function unreadCount(room: RoomSequence, member: ReadState & { userId: number }): number {
  const own = [...ownAfterWatermark(room, member)].filter((sequence) => sequence <= room.lastSequence);
  return Math.max(0, room.lastSequence - member.lastSeenSequence - own.length);
}

/**
 * The highest sequence up to which the member has nothing unseen: the watermark, moved through the
 * member's own messages right above it (a sender who was caught up when they posted). Where an
 * unseen list starts.
 */
export function seenThrough(room: RoomSequence, member: ReadState & { userId: number }): number {
  const own = ownAfterWatermark(room, member);
  let watermark = member.lastSeenSequence;
  while (own.has(watermark + 1)) watermark += 1;
  return watermark;
}

/**
 * The read state after the member has seen everything up to `seenUpTo`, or undefined when that
 * would not move the watermark forward (it never moves back). Own messages at or below the new
 * watermark are pruned; listed own messages right above it are seen by definition, so the
 * watermark moves through them too and the list stays short.
 */
export function advancedReadState(state: ReadState, seenUpTo: number): ReadState | undefined {
  if (!(seenUpTo > state.lastSeenSequence)) return undefined;
  const own = new Set(state.ownAfterWatermark);
  let watermark = seenUpTo;
  while (own.has(watermark + 1)) watermark += 1;
  return {
    lastSeenSequence: watermark,
    ownAfterWatermark: [...own].filter((sequence) => sequence > watermark).sort((a, b) => a - b),
  };
}

/**
 * The read state with `sequences` (the member's own messages) listed: entries at or below the
 * watermark are pruned, and past MAX_OWN_AFTER_WATERMARK the oldest no longer fit and the watermark
 * moves through them.
 */
export function withOwnMessages(state: ReadState, sequences: number[]): ReadState {
  const own = [...new Set([...state.ownAfterWatermark, ...sequences])].filter((sequence) => sequence > state.lastSeenSequence).sort((a, b) => a - b);
  const overflow = own.length - MAX_OWN_AFTER_WATERMARK;
  if (overflow <= 0) return { lastSeenSequence: state.lastSeenSequence, ownAfterWatermark: own };
  return advancedReadState({ lastSeenSequence: state.lastSeenSequence, ownAfterWatermark: own }, own[overflow - 1]!)!;
}
