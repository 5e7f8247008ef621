/**
 * Rows as last read, by key, for the reads every signed request makes (consumer, access token,
 * user). Bounded: when full it starts over. Misses are not kept, so a row that appears later is
 * found at once; a store forgets a key whenever it writes it.
 */
export class ReadCache<V> {
  readonly #entries = new Map<string, V>();

  constructor(private readonly limit = 10_000) {}

  /** The value for `key`, read with `load` when not held. */
  get(key: string, load: (key: string) => V | undefined): V | undefined {
    const held = this.#entries.get(key);
    if (held !== undefined) return held;
    const loaded = load(key);
    if (loaded !== undefined) {
      if (this.#entries.size >= this.limit) this.#entries.clear();
      this.#entries.set(key, loaded);
    }
    return loaded;
  }

  forget(key: string): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }
}
