/**
 * At most one event per key per interval, in this process: the fallback of the typing throttle
 * when Redis is not configured or does not answer. Bounded: keys whose interval has passed are
 * forgotten once `maxKeys` are held.
 */
export class IntervalThrottle {
  readonly #last = new Map<string, number>();
  readonly intervalMs: number;
  readonly maxKeys: number;

  constructor(intervalMs: number, maxKeys = 10_000) {
    this.intervalMs = intervalMs;
    this.maxKeys = maxKeys;
  }

  /** True (and the key's interval starts) unless the key had an event less than intervalMs ago. */
  allow(key: string, now: number): boolean {
    const last = this.#last.get(key);
    if (last !== undefined && now - last < this.intervalMs) return false;
    if (this.#last.size >= this.maxKeys) this.#forgetExpired(now);
    if (this.#last.size >= this.maxKeys) return false;
    this.#last.set(key, now);
    return true;
  }

  #forgetExpired(now: number): void {
    for (const [key, last] of this.#last) if (now - last >= this.intervalMs) this.#last.delete(key);
  }
}
