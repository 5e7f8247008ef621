/**
 * Nonces in Redis, shared by every instance: `SET key 1 NX PX ttl` records a nonce only if absent,
 * atomically, and Redis forgets it when its timestamp leaves the window — so Redis memory is bounded
 * by the requests of one window. Unreachable Redis is a `StoreUnavailableError` (503), at once:
 * commands are not queued while disconnected, so a replay is never accepted and nothing hangs.
 */
import { Redis } from 'ioredis';
import { type NonceStore, StoreUnavailableError } from 'countersign';

/** How long a request waits for Redis to (re)connect before it is answered with 503. */
const CONNECT_WAIT_MS = 1000;

/** The clock difference between instances that nonces are kept long enough to allow for. */
const DEFAULT_CLOCK_SKEW_MS = 30_000;

/**
 * A Redis client that fails fast: commands are not queued while disconnected (a replay is never
 * accepted late, nothing hangs), and it keeps reconnecting, backing off to 2 s, so that the server
 * recovers by itself when Redis returns.
 *
 * @example
 * ```ts
 * const redis = connectRedis('redis://127.0.0.1:6379');
 * ```
 */
export function connectRedis(url: string): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    // The commands of many concurrent requests go to Redis in one write.
    enableAutoPipelining: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 100, 2000),
  });
  // Connection errors surface on the commands that fail; the client keeps reconnecting.
  redis.on('error', () => {});
  return redis;
}

/**
 * @example
 * ```ts
 * const store = withNonceStore(await PostgresStore.connect(url), new RedisNonceStore('redis://127.0.0.1:6379'));
 * ```
 */
export class RedisNonceStore implements NonceStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #clockSkewMs: number;
  readonly #ownsClient: boolean;

  /**
   * @param redis A URL, or a client of the caller's (then `close` leaves it open: its owner closes it).
   */
  constructor(
    redis: string | Redis,
    options: {
      /**
       * What the key of every nonce starts with, so that several stores can share one Redis.
       *
       * @defaultValue `'countersign:nonce:'`
       */
      prefix?: string;
      /**
       * How far apart the clocks of the instances sharing Redis may be, in milliseconds. A key's time
       * to live is counted on the clock of the instance that recorded it, while another instance
       * accepts the timestamp by its own clock: each key lives this much longer, so that an instance
       * whose clock is behind never accepts a replay another instance forgot.
       *
       * @defaultValue `30000` (30 s)
       */
      clockSkewMs?: number;
    } = {},
  ) {
    this.#prefix = options.prefix ?? 'countersign:nonce:';
    this.#clockSkewMs = options.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS;
    this.#ownsClient = typeof redis === 'string';
    this.#redis = typeof redis === 'string' ? connectRedis(redis) : redis;
  }

  /** The wait for a connection being made, shared by every command that arrives meanwhile. */
  #connecting: Promise<void> | undefined;

  /** Waits up to `CONNECT_WAIT_MS` for a connection being made; the command fails after that. */
  #ready(): Promise<void> {
    const redis = this.#redis;
    this.#connecting ??= new Promise<void>((resolve) => {
      const timer = setTimeout(done, CONNECT_WAIT_MS);
      redis.once('ready', done);
      function done() {
        clearTimeout(timer);
        redis.off('ready', done);
        resolve();
      }
    }).finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async recordNonce(key: string, now: number, expiresAt: number): Promise<boolean> {
    // Already expired: recording it would not hold it, and its replay would pass too.
    if (expiresAt <= now) return false;
    const ttl = Math.ceil(expiresAt - now) + this.#clockSkewMs;
    try {
      if (this.#redis.status !== 'ready') await this.#ready();
      return (await this.#redis.set(this.#prefix + key, '1', 'PX', ttl, 'NX')) === 'OK';
    } catch (error) {
      throw new StoreUnavailableError(`Redis unavailable: ${(error as Error).message}`);
    }
  }

  async close(): Promise<void> {
    if (this.#ownsClient) this.#redis.disconnect();
    return Promise.resolve();
  }
}
