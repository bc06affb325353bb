/**
 * A room's messages as the client holds them: ascending by the room's sequence, each sequence
 * once. History pages, live frames, long-poll answers and catch-up pages all go through merge(),
 * so a message seen twice (a page overlapping a frame, a frame replayed after a reconnect) is
 * shown once. Pure: no DOM, no network.
 */

export interface Sequenced {
  sequence: number;
}

/** `a` and `b` merged by sequence; for a sequence in both, `b`'s copy wins (it is newer: it may carry seen_by). */
export function mergeBySequence<T extends Sequenced>(a: readonly T[], b: readonly T[]): T[] {
  if (b.length === 0) return a as T[];
  const bySequence = new Map<number, T>();
  for (const message of a) bySequence.set(message.sequence, message);
  for (const message of b) bySequence.set(message.sequence, message);
  return [...bySequence.values()].sort((x, y) => x.sequence - y.sequence);
}

/**
 * The newest sequence up to which `messages` has no hole, starting from its oldest message: the
 * point a catch-up (`after=`) continues from. 0 when there are no messages.
 */
export function contiguousThrough(messages: readonly Sequenced[]): number {
  const first = messages[0];
  if (!first) return 0;
  let through = first.sequence;
  for (const { sequence } of messages) {
    if (sequence > through + 1) break;
    through = Math.max(through, sequence);
  }
  return through;
}

/** Sequences missing between the oldest and the newest message held (what a gap looks like). */
export function holes(messages: readonly Sequenced[]): number[] {
  const missing: number[] = [];
  for (let i = 1; i < messages.length; i++) {
    for (let s = messages[i - 1]!.sequence + 1; s < messages[i]!.sequence; s++) missing.push(s);
  }
  return missing;
}

/** What a live message means for a room whose newest known sequence is `known` (undefined: nothing known yet). */
export type Arrival = 'next' | 'duplicate' | 'gap';

export function classifyArrival(known: number | undefined, sequence: number): Arrival {
  if (known === undefined) return 'next';
  if (sequence <= known) return 'duplicate';
  return sequence === known + 1 ? 'next' : 'gap';
}

/**
 * Per room, the newest sequence seen without a hole since the client started following it: the
 * resume point of docs/realtime.md's algorithm. A frame right after it moves it; an older one is a
 * duplicate; a newer one is a gap, to be filled with `after=` pages before it moves.
 */
export class SequenceTracker {
  private readonly last = new Map<number, number>();

  get(roomId: number): number | undefined {
    return this.last.get(roomId);
  }

  /** Classifies a live arrival; moves the room's mark only on 'next'. */
  observe(roomId: number, sequence: number): Arrival {
    const arrival = classifyArrival(this.last.get(roomId), sequence);
    if (arrival === 'next') this.last.set(roomId, sequence);
    return arrival;
  }

  /** After a page or a catch-up: everything up to `through` is held (never moves back). */
  caughtUp(roomId: number, through: number): void {
    const known = this.last.get(roomId);
    if (known === undefined || through > known) this.last.set(roomId, through);
  }

  rooms(): number[] {
    return [...this.last.keys()];
  }

  forget(roomId: number): void {
    this.last.delete(roomId);
  }
}
