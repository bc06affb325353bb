import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { catchUp, type ForwardPage } from '../../../web/src/logic/resume.ts';
import { classifyArrival, contiguousThrough, holes, mergeBySequence, SequenceTracker } from '../../../web/src/logic/timeline.ts';

const m = (sequence: number, text = `m${sequence}`) => ({ sequence, text });
const seqs = (messages: { sequence: number }[]) => messages.map((x) => x.sequence);

describe('mergeBySequence', () => {
  it('keeps each sequence once, ascending', () => {
    expect(seqs(mergeBySequence([m(3), m(1), m(2)], [m(2), m(5), m(4), m(5)]))).toEqual([1, 2, 3, 4, 5]);
  });

  it('prefers the incoming copy of a sequence (it may carry seen_by)', () => {
    const merged = mergeBySequence([m(1, 'old')], [m(1, 'new')]);
    expect(merged).toEqual([m(1, 'new')]);
  });

  it('returns the same array when nothing comes in', () => {
    const held = [m(1)];
    expect(mergeBySequence(held, [])).toBe(held);
  });
});

describe('contiguousThrough and holes', () => {
  it('is the newest sequence reached without a hole from the oldest held', () => {
    expect(contiguousThrough([])).toBe(0);
    expect(contiguousThrough([m(4), m(5), m(6)])).toBe(6);
    expect(contiguousThrough([m(4), m(5), m(7), m(8)])).toBe(5);
  });

  it('lists what is missing between the oldest and the newest', () => {
    expect(holes([m(1), m(2), m(5), m(7)])).toEqual([3, 4, 6]);
    expect(holes([m(1), m(2)])).toEqual([]);
  });
});

describe('classifyArrival / SequenceTracker', () => {
  it('tells the next message from a duplicate and a gap', () => {
    expect(classifyArrival(undefined, 9)).toBe('next');
    expect(classifyArrival(4, 5)).toBe('next');
    expect(classifyArrival(4, 4)).toBe('duplicate');
    expect(classifyArrival(4, 2)).toBe('duplicate');
    expect(classifyArrival(4, 6)).toBe('gap');
  });

  it('moves a room’s mark only on the next message, and never back', () => {
    const tracker = new SequenceTracker();
    expect(tracker.observe(1, 10)).toBe('next');
    expect(tracker.observe(1, 12)).toBe('gap');
    expect(tracker.get(1)).toBe(10);
    expect(tracker.observe(1, 11)).toBe('next');
    expect(tracker.observe(1, 11)).toBe('duplicate');
    tracker.caughtUp(1, 8);
    expect(tracker.get(1)).toBe(11);
    tracker.caughtUp(1, 20);
    expect(tracker.get(1)).toBe(20);
    expect(tracker.get(2)).toBeUndefined();
  });
});

/** A room of messages 1..count read forward like the API's `after=` pages (limit per page). */
function forwardRoom(count: number, limit: number) {
  let reads = 0;
  const read = async (after: number): Promise<ForwardPage<{ sequence: number }>> => {
    reads += 1;
    const messages = [];
    for (let s = after + 1; s <= Math.min(count, after + limit); s++) messages.push(m(s));
    const hasMore = after + limit < count;
    return { messages, page: { next: hasMore ? (messages.at(-1)?.sequence ?? after) : null, has_more_after: hasMore } };
  };
  return { read, reads: () => reads };
}

describe('catchUp', () => {
  it('reads after= pages until has_more_after is false: every later message once', async () => {
    const room = forwardRoom(230, 100);
    const result = await catchUp(5, room.read);
    expect(seqs(result.messages)).toEqual(Array.from({ length: 225 }, (_, i) => i + 6));
    expect(result).toMatchObject({ through: 230, complete: true, pages: 3 });
    expect(room.reads()).toBe(3);
  });

  it('reads one page when nothing is new', async () => {
    const result = await catchUp(230, forwardRoom(230, 100).read);
    expect(result).toMatchObject({ messages: [], through: 230, complete: true, pages: 1 });
  });

  it('stops at maxPages and says it is not complete', async () => {
    const result = await catchUp(0, forwardRoom(1000, 100).read, 3);
    expect(result).toMatchObject({ through: 300, complete: false, pages: 3 });
  });

  it('stops on a page that claims more but does not move the cursor', async () => {
    let reads = 0;
    const stuck = async () => {
      reads += 1;
      return { messages: [], page: { next: 7, has_more_after: true } };
    };
    const result = await catchUp(7, stuck);
    expect(result).toMatchObject({ through: 7, complete: false });
    expect(reads).toBe(1);
  });

  it('gap-free resume: frames duplicated, reordered and dropped, then a catch-up, hold every message exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 100 }),
        fc.array(fc.integer({ min: 1, max: 300 }), { maxLength: 400 }),
        async (count, limit, deliveries) => {
          // What a socket delivered before it dropped: any order, with duplicates and holes.
          const frames = deliveries.filter((s) => s <= count);
          const tracker = new SequenceTracker();
          tracker.caughtUp(1, 0); // the room was followed from its start
          let held: { sequence: number }[] = [];
          let gap = false;
          for (const s of frames) {
            const arrival = tracker.observe(1, s);
            if (arrival === 'next') held = mergeBySequence(held, [m(s)]);
            if (arrival === 'gap') gap = true;
          }
          // On the reconnect (or the gap): read forward from the mark.
          const room = forwardRoom(count, limit);
          const result = await catchUp(tracker.get(1)!, room.read, 1000);
          held = mergeBySequence(held, result.messages);
          tracker.caughtUp(1, result.through);
          expect(seqs(held)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
          expect(holes(held)).toEqual([]);
          expect(tracker.get(1)).toBe(count);
          expect(result.complete).toBe(true);
          if (!gap && frames.length === 0) expect(result.pages).toBe(Math.max(1, Math.ceil(count / limit)));
        },
      ),
      { numRuns: 200 },
    );
  });
});
