/**
 * Gap-free resume (docs/realtime.md): after a reconnect, or when a frame's sequence jumps, read
 * the room's history forward with `after=<newest held>` until the API says nothing more is after
 * it. Pure: the page reader is passed in.
 */
import type { Sequenced } from './timeline.ts';

export interface ForwardPage<T extends Sequenced> {
  messages: T[];
  page: { next: number | null; has_more_after: boolean };
}

export interface CatchUp<T extends Sequenced> {
  messages: T[];
  /** The newest sequence read (or `after` when nothing was). */
  through: number;
  /** False when it stopped at maxPages with more to read: call again from `through`. */
  complete: boolean;
  pages: number;
}

/** Most pages one catch-up reads (100 messages each at most): a bound, not an expected count. */
export const MAX_CATCH_UP_PAGES = 50;

export async function catchUp<T extends Sequenced>(
  after: number,
  readAfter: (after: number) => Promise<ForwardPage<T>>,
  maxPages = MAX_CATCH_UP_PAGES,
): Promise<CatchUp<T>> {
  const messages: T[] = [];
  let cursor = after;
  for (let pages = 1; pages <= maxPages; pages++) {
    const { messages: page, page: info } = await readAfter(cursor);
    messages.push(...page);
    const newest = page.at(-1)?.sequence ?? cursor;
    const next = Math.max(cursor, newest, info.next ?? 0);
    // A page that says "more after" but does not move the cursor would loop forever: stop there.
    if (!info.has_more_after || next === cursor) return { messages, through: Math.max(cursor, newest), complete: !info.has_more_after, pages };
    cursor = next;
  }
  return { messages, through: cursor, complete: false, pages: maxPages };
}
