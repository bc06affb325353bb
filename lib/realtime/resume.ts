/**
 * The client side of gap-free live delivery (docs/realtime.md, "Resume without gaps"), per room:
 * `last` is the highest sequence handed on; a live frame with exactly the next sequence is handed
 * on; one at or below `last` is a duplicate and dropped; one beyond the next — a gap — and every
 * (re)connect start a catch-up: pages of the history API `after=last` until `has_more_after` is
 * false, then the frames that arrived meanwhile, in order. Each message is handed on exactly once,
 * in sequence order, none missing. Pure: the page fetch is injected (the tests and any client).
 */
export interface HistoryPage<M> {
  /** Ascending by sequence, as GET /chat/messages/:room_id/?after= answers. */
  messages: M[];
  hasMoreAfter: boolean;
}

export interface RoomFeedOptions<M extends { sequence: number }> {
  /** The last sequence this client already has (0: none). */
  last: number;
  fetchAfter(after: number): Promise<HistoryPage<M>>;
  deliver(message: M): void;
}

/** Pages one catch-up reads at most (100 messages each: 100,000 messages). */
export const MAX_CATCH_UP_PAGES = 1000;
/** Catch-ups one resume() repeats while frames beyond a gap keep arriving. */
const MAX_CATCH_UP_ROUNDS = 10;

export class RoomFeed<M extends { sequence: number }> {
  #last: number;
  readonly #options: RoomFeedOptions<M>;
  /** Live frames beyond `last` + 1, or received during a catch-up. */
  readonly #buffered = new Map<number, M>();
  #catchingUp: Promise<void> | undefined;

  constructor(options: RoomFeedOptions<M>) {
    this.#options = options;
    this.#last = options.last;
  }

  get last(): number {
    return this.#last;
  }

  /** A live `message` frame's message. Resolves once it (and whatever a gap held back) is handled. */
  onFrame(message: M): Promise<void> {
    if (message.sequence <= this.#last) return Promise.resolve();
    if (!this.#catchingUp && message.sequence === this.#last + 1) {
      this.#accept(message);
      return Promise.resolve();
    }
    this.#buffered.set(message.sequence, message);
    return this.resume();
  }

  /** After connecting or reconnecting, and on a gap: catch up from history (one at a time). */
  resume(): Promise<void> {
    this.#catchingUp ??= this.#catchUp().finally(() => {
      this.#catchingUp = undefined;
    });
    return this.#catchingUp;
  }

  async #catchUp(): Promise<void> {
    for (let round = 0; round < MAX_CATCH_UP_ROUNDS; round++) {
      for (let page = 0; page < MAX_CATCH_UP_PAGES; page++) {
        const { messages, hasMoreAfter } = await this.#options.fetchAfter(this.#last);
        for (const message of messages) if (message.sequence === this.#last + 1) this.#accept(message);
        if (!hasMoreAfter || messages.length === 0) break;
      }
      this.#drain();
      if (this.#buffered.size === 0) return;
      // Frames beyond a gap arrived after the last page was read: read again.
    }
  }

  #drain(): void {
    for (let next = this.#buffered.get(this.#last + 1); next; next = this.#buffered.get(this.#last + 1)) this.#accept(next);
    for (const sequence of this.#buffered.keys()) if (sequence <= this.#last) this.#buffered.delete(sequence);
  }

  #accept(message: M): void {
    this.#last = message.sequence;
    this.#buffered.delete(message.sequence);
    this.#options.deliver(message);
  }
}
