/**
 * Rows as last read, by key, for the reads every signed request makes (consumer, access token,
 * user). Bounded: when full it starts over. Misses are not kept, so a row that appears later is
 * found at once; a store forgets a key whenever it writes it, and everything when another process
 * may have written. A read that was under way when something was forgotten is not kept either.
 */
import type { MaybePromise } from '../provider/maybe-promise.js';
import type { AccessToken, Consumer, User } from '../provider/model.js';

/**
 * @example
 * ```ts
 * const consumers = new ReadCache<Consumer>();
 * const consumer = consumers.get(key, (k) => readConsumerRow(k));
 * consumers.forget(key); // after writing it
 * ```
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

  /**
   * `get` for a store whose reads are asynchronous: a held value at once, else a promise of the
   * loaded one.
   */
  getAsync(key: string, load: (key: string) => Promise<V | undefined>): MaybePromise<V | undefined> {
    const held = this.#entries.get(key);
    if (held !== undefined) return held;
    const generation = this.#generation;
    return load(key).then((loaded) => {
      if (loaded !== undefined && generation === this.#generation) this.#keep(key, loaded);
      return loaded;
    });
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

/**
 * The three kinds of row every signed request reads, each cached by its key and forgotten together.
 *
 * @example
 * ```ts
 * const rows = new CachedRows();
 * rows.clear(); // another process has written
 * ```
 */
export class CachedRows {
  readonly consumers: ReadCache<Consumer>;
  readonly accessTokens: ReadCache<AccessToken>;
  readonly users: ReadCache<User>;

  /** @param limit How many rows of each kind are kept; 0 keeps none. */
  constructor(limit = 10_000) {
    this.consumers = new ReadCache(limit);
    this.accessTokens = new ReadCache(limit);
    this.users = new ReadCache(limit);
  }

  clear(): void {
    this.consumers.clear();
    this.accessTokens.clear();
    this.users.clear();
  }
}
