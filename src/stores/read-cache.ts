/**
 * Rows as last read, by key, for the reads every signed request makes (consumer, access token,
 * user). Bounded: when full it starts over. Misses are not kept, so a row that appears later is
 * found at once; a store forgets a key whenever it writes it, and everything when another process
 * may have written. A read that was under way when something was forgotten is not kept either.
 */
export class ReadCache<V> {
  readonly #entries = new Map<string, V>();
  readonly #limit: number;
  /** Changes whenever something is forgotten, so that a read begun before is not kept. */
  #generation = 0;

  /** @param limit How many rows are kept; 0 keeps none. */
  constructor(limit = 10_000) {
    this.#limit = limit;
  }

  /** The value for `key`, read with `load` when not held. */
  get(key: string, load: (key: string) => V | undefined): V | undefined {
    const held = this.#entries.get(key);
    if (held !== undefined) return held;
    const loaded = load(key);
    if (loaded !== undefined) this.#keep(key, loaded);
    return loaded;
  }

  /** `get` for a store whose reads are asynchronous. */
  async getAsync(key: string, load: (key: string) => Promise<V | undefined>): Promise<V | undefined> {
    const held = this.#entries.get(key);
    if (held !== undefined) return held;
    const generation = this.#generation;
    const loaded = await load(key);
    if (loaded !== undefined && generation === this.#generation) this.#keep(key, loaded);
    return loaded;
  }

  forget(key: string): void {
    this.#generation++;
    this.#entries.delete(key);
  }

  clear(): void {
    this.#generation++;
    this.#entries.clear();
  }

  #keep(key: string, value: V): void {
    if (this.#limit === 0) return;
    if (this.#entries.size >= this.#limit) this.#entries.clear();
    this.#entries.set(key, value);
  }
}
