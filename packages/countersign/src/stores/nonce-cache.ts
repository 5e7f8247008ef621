/**
 * Nonces held in process memory until they expire: the memory store's nonce record, and the SQLite
 * store's first look before it goes to disk. Keys are swept from the front of an insertion-ordered
 * queue as their expiry passes, so memory is bounded by the requests of one timestamp window.
 */
/**
 * @example
 * ```ts
 * const nonces = new NonceCache();
 * nonces.record(key, now, now + 300_000); // true the first time, false for a replay
 * ```
 */
export class NonceCache {
  readonly #expiries = new Map<string, number>();
  /** Keys in insertion order, and their expiries, for sweeping from the front. */
  #queue: string[] = [];
  #queueExpiries: number[] = [];
  #start = 0;

  /** Whether `key` is held and has not expired at `now`. */
  has(key: string, now: number): boolean {
    const expiresAt = this.#expiries.get(key);
    return expiresAt !== undefined && expiresAt > now;
  }

  /**
   * Records `key` until `expiresAt` unless it is held and unexpired, or `expiresAt` is already past;
   * returns whether it was recorded.
   */
  record(key: string, now: number, expiresAt: number): boolean {
    // A record that is already expired would not be held, so its replay would pass too.
    if (expiresAt <= now) return false;
    this.#sweep(now);
    if (this.has(key, now)) return false;
    this.#expiries.set(key, expiresAt);
    this.#queue.push(key);
    this.#queueExpiries.push(expiresAt);
    return true;
  }

  /** How many nonces are held. */
  get size(): number {
    return this.#expiries.size;
  }

  #sweep(now: number): void {
    const queue = this.#queue;
    const expiries = this.#queueExpiries;
    let start = this.#start;
    // Expiries follow the timestamps (the end of their window), so nearly in order; an entry that
    // expires later than the one before it only waits for that one, which bounds memory by the
    // window all the same.
    while (start < queue.length && (expiries[start] as number) <= now) {
      const key = queue[start] as string;
      if (this.#expiries.get(key) === expiries[start]) this.#expiries.delete(key);
      start++;
    }
    if (start > 1024 && start * 2 > queue.length) {
      this.#queue = queue.slice(start);
      this.#queueExpiries = expiries.slice(start);
      start = 0;
    }
    this.#start = start;
  }
}
