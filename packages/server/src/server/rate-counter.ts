/**
 * A fixed-window counter: how many times a key was hit in the current window (of `windowMs`, on
 * the injected clock). In memory for one instance, or in Redis so that instances sharing it share
 * the count: INCR and PEXPIRE in one MULTI, on a key per window.
 */
import type { Redis } from 'ioredis';

/** Counts hits per key in fixed windows. */
export interface RateCounter {
  /** Counts one hit of `key`; resolves to its hits in the current window, this one included. */
  hit(key: string): Promise<number>;
}

export interface RateCounterOptions {
  /** The window's length in milliseconds. */
  readonly windowMs: number;
  /** Milliseconds since the epoch. */
  readonly clock: () => number;
}

/**
 * The count in this process's memory: one entry per key hit in the current window.
 *
 * @example
 * ```ts
 * const counter = new MemoryRateCounter({ windowMs: 60_000, clock: Date.now });
 * await counter.hit('consumer-key'); // 1
 * ```
 */
export class MemoryRateCounter implements RateCounter {
  readonly #options: RateCounterOptions;
  #window = -1;
  readonly #counts = new Map<string, number>();

  constructor(options: RateCounterOptions) {
    this.#options = options;
  }

  hit(key: string): Promise<number> {
    const window = Math.floor(this.#options.clock() / this.#options.windowMs);
    if (window !== this.#window) {
      // A new window: every count of the last one is over, and forgetting them bounds the map.
      this.#counts.clear();
      this.#window = window;
    }
    const count = (this.#counts.get(key) ?? 0) + 1;
    this.#counts.set(key, count);
    return Promise.resolve(count);
  }
}

/**
 * The count in Redis, shared by every instance using the same server and prefix.
 *
 * @example
 * ```ts
 * const counter = new RedisRateCounter(redis, { windowMs: 60_000, clock: Date.now, prefix: 'countersign:problems:' });
 * ```
 */
export class RedisRateCounter implements RateCounter {
  readonly #redis: Redis;
  readonly #options: RateCounterOptions & { readonly prefix: string };

  constructor(redis: Redis, options: RateCounterOptions & { readonly prefix?: string | undefined }) {
    this.#redis = redis;
    this.#options = { ...options, prefix: options.prefix ?? 'countersign:rate:' };
  }

  async hit(key: string): Promise<number> {
    const { windowMs, clock, prefix } = this.#options;
    const name = `${prefix}${key}:${Math.floor(clock() / windowMs)}`;
    // Kept for two windows, so that instances whose clocks differ a little still find it.
    const replies = await this.#redis
      .multi()
      .incr(name)
      .pexpire(name, 2 * windowMs)
      .exec();
    const [error, count] = replies?.[0] ?? [new Error('Redis discarded the transaction'), 0];
    if (error) throw error;
    return Number(count);
  }
}
