/**
 * "Seen by" from read watermarks: a member who has seen message S has seen everything before it.
 * The API gives `seen_by` per message of a page (seen_by=1) and the socket gives `read` frames
 * (a member's watermark moved); both raise one watermark per member, and the last message shows
 * the members whose watermark reached it. Pure.
 */

export interface Reader {
  id: number;
  username: string | null;
}

export type Watermarks = ReadonlyMap<number, { username: string | null; through: number }>;

/** `marks` with `reader`'s watermark raised to `through` (never lowered). Same map when nothing changes. */
export function raiseWatermark(marks: Watermarks, reader: Reader, through: number): Watermarks {
  const known = marks.get(reader.id);
  if (known && known.through >= through && (reader.username === null || known.username === reader.username)) return marks;
  const next = new Map(marks);
  next.set(reader.id, { username: reader.username ?? known?.username ?? null, through: Math.max(through, known?.through ?? 0) });
  return next;
}

/** The watermarks a page's `seen_by` lists imply. */
export function watermarksFromPage(marks: Watermarks, messages: readonly { sequence: number; seen_by?: readonly Reader[] }[]): Watermarks {
  let next = marks;
  for (const message of messages) for (const reader of message.seen_by ?? []) next = raiseWatermark(next, reader, message.sequence);
  return next;
}

/** Who has seen `message`, other than its sender and the viewer, in id order. */
export function seenBy(message: { sequence: number; msg_from: { id: number } }, marks: Watermarks, viewerId: number): Reader[] {
  return [...marks.entries()]
    .filter(([id, mark]) => id !== message.msg_from.id && id !== viewerId && mark.through >= message.sequence)
    .sort(([a], [b]) => a - b)
    .map(([id, mark]) => ({ id, username: mark.username }));
}
