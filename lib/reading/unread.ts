/**
 * A member's read state in a room (docs/data-model.md, "Read state"): the watermark is the highest
 * sequence they have seen; their own messages above it are listed, because those are never unread
 * for them.
 */
export interface ReadState {
  lastSeenSequence: number;
  ownAfterWatermark: number[];
}

/**
 * Messages of the room the member has not seen and did not send:
 * lastSequence − lastSeenSequence − |own messages in (lastSeenSequence, lastSequence]|, never below 0.
 */
export function unreadCount(lastSequence: number, state: ReadState): number {
  const own = new Set(state.ownAfterWatermark.filter((sequence) => sequence > state.lastSeenSequence && sequence <= lastSequence));
  return Math.max(0, lastSequence - state.lastSeenSequence - own.size);
}

/**
 * The read state after the member has seen everything up to `seenUpTo`, or undefined when that
 * would not move the watermark forward (it never moves back). Own messages at or below the new
 * watermark are pruned; own messages right above it are seen by definition, so the watermark
 * moves through them too and the list stays short.
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
