/**
 * The storage contract. Every store — memory, SQLite, PostgreSQL — implements it and runs the same
 * shared suite. Some operations must be atomic: `decideRequestToken`/`exchangeRequestToken` change a
 * request token only from the state they expect, `recordVerifierFailure` counts only below its limit,
 * and `recordNonce` inserts only if absent.
 */
import type { MaybePromise } from '../provider/maybe-promise.js';
import type { AccessToken, Consumer, RequestToken, User } from '../provider/model.js';

/** The user's decision on a pending request token. */
export type Decision =
  | {
      readonly state: 'authorized';
      readonly user: string;
      readonly grantedScopes: readonly string[];
      readonly verifier: string;
    }
  | { readonly state: 'denied'; readonly user: string };

/**
 * How fresh a read must be. Without options a read sees every write committed before it was made.
 */
export interface ReadOptions {
  /**
   * The read is for a signed request that has already read its consumer from this store, after the
   * request arrived: it need only see what that read saw, or newer. A store that checks the
   * freshness of cached rows with a query (PostgreSQL's change counter) may skip the check; a
   * revocation committed before the request arrived is still seen, because the consumer read's
   * check was made after that.
   */
  readonly sameRequest?: boolean;
}

/**
 * Where a provider keeps its data.
 *
 * The reads and writes every signed request makes (`getConsumer`, `getUser`, `getRequestToken`,
 * `getAccessToken`, `touchAccessToken`, `recordNonce`) may answer synchronously or with a promise.
 * A store that has the answer at hand (in memory, or from an embedded database) returns it as it is,
 * and the engine then checks the request without yielding to the event loop.
 *
 * @example
 * ```ts
 * const store: Store = new MemoryStore();
 * await store.putConsumer(consumer);
 * ```
 */
export interface Store {
  getConsumer(key: string): MaybePromise<Consumer | undefined>;
  /** Inserts or replaces a consumer. */
  putConsumer(consumer: Consumer): Promise<void>;
  /** Deletes a consumer and every token issued to it. */
  deleteConsumer(key: string): Promise<void>;
  listConsumers(owner: string): Promise<Consumer[]>;

  getUser(name: string, options?: ReadOptions): MaybePromise<User | undefined>;
  /** Inserts or replaces a user. */
  putUser(user: User): Promise<void>;

  createRequestToken(token: RequestToken): Promise<void>;
  getRequestToken(token: string): MaybePromise<RequestToken | undefined>;
  /** Records the user's decision, only if the token is still pending. Returns whether it did. */
  decideRequestToken(token: string, decision: Decision): Promise<boolean>;
  /**
   * Counts one more wrong verifier, atomically and only while fewer than `limit` are counted;
   * returns the new count, or `undefined` (counting nothing) if `limit` was already reached or the
   * token is unknown. Of any number of concurrent calls, at most `limit` are counted.
   */
  recordVerifierFailure(token: string, limit: number): Promise<number | undefined>;
  /**
   * Marks an authorized request token exchanged and stores the access token, atomically, only if
   * the request token is still `authorized`. Returns whether it did: of many concurrent exchanges of
   * one request token, exactly one gets `true`.
   */
  exchangeRequestToken(requestToken: string, accessToken: AccessToken): Promise<boolean>;

  getAccessToken(token: string, options?: ReadOptions): MaybePromise<AccessToken | undefined>;
  /** Marks an access token revoked (idempotent). Returns whether the token exists. */
  revokeAccessToken(token: string, at: number): Promise<boolean>;
  touchAccessToken(token: string, at: number): MaybePromise<void>;
  /** The access tokens a user granted, newest first. */
  listAccessTokens(user: string): Promise<AccessToken[]>;

  /**
   * Records a nonce key at `now` until `expiresAt` (ms); returns `false` if it is already recorded
   * and not yet expired, and `false` (recording nothing) if `expiresAt <= now`: a record that is
   * already expired would let every copy of the request through. Must be atomic across every
   * instance that shares the store.
   */
  recordNonce(key: string, now: number, expiresAt: number): MaybePromise<boolean>;

  close(): Promise<void>;
}

/** Where nonces are recorded, when that is not the main store (Redis, for many instances). */
export type NonceStore = Pick<Store, 'recordNonce' | 'close'>;

/**
 * A store whose nonces go to `nonces` and everything else to `store`; closing closes both.
 *
 * @example
 * ```ts
 * const store = withNonceStore(await PostgresStore.connect(url), new RedisNonceStore(redisUrl));
 * ```
 */
export function withNonceStore<S extends Store>(
  store: S,
  nonces: NonceStore,
): Omit<S, 'recordNonce'> & NonceStore {
  const recordNonce = nonces.recordNonce.bind(nonces);
  const close = async () => Promise.all([nonces.close(), store.close()]).then(() => undefined);
  // Methods are bound once, not on every call (every signed request makes several).
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, property) {
      if (property === 'recordNonce') return recordNonce;
      if (property === 'close') return close;
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      let method = bound.get(property);
      if (method === undefined) {
        method = (value as (...args: unknown[]) => unknown).bind(target);
        bound.set(property, method);
      }
      return method;
    },
  });
}
