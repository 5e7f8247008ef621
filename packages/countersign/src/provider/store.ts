/**
 * The storage contract, owned by the engine: what the engine calls while it serves requests
 * (`EngineStore`, all a store written for `createProvider` must implement), the admin part the
 * lifecycle operations and the reference server call (`AdminStore`), and the types both use. Every
 * store — memory, SQLite, PostgreSQL — implements both, importing them from here (the stores depend
 * on the engine, never the reverse), and runs the same shared suite. Some operations must be atomic: `decideRequestToken` changes a request token only
 * from the state it expects, `redeemRequestToken` compares a verifier and exchanges or counts it in
 * one step per request token, and `recordNonce` inserts only if absent.
 */
import type { MaybePromise } from './maybe-promise.js';
import type { AccessToken, Consumer, RequestToken, User } from './model.js';

/** The user's decision on a pending request token. */
export type Decision =
  | {
      readonly state: 'authorized';
      readonly user: string;
      readonly grantedScopes: readonly string[];
      readonly verifier: string;
    }
  | { readonly state: 'denied'; readonly user: string };

/** One try at exchanging a request token, as the engine hands it to the store. */
export interface RedeemAttempt {
  /** Whether the stored verifier matches the one sent; the engine compares in constant time. */
  readonly matches: (storedVerifier: string) => boolean;
  /** Wrong verifiers the request token survives; at this count it is dead. */
  readonly limit: number;
  /** The access token stored if the verifier matches. */
  readonly accessToken: AccessToken;
}

/**
 * What `Store.redeemRequestToken` did:
 * - `exchanged`: the verifier matched; the request token is now `exchanged` and the access token stored.
 * - `wrong`: the verifier did not match; `failures` is the count of wrong verifiers, this one included.
 * - `dead`: `limit` wrong verifiers were already counted; nothing was compared or changed.
 * - `used`: the request token is unknown or not `authorized` (already exchanged, say); nothing
 *   was compared or changed.
 *
 * @example
 * ```ts
 * const redemption = await store.redeemRequestToken(requestToken, {
 *   matches: (stored) => constantTimeEqual(sent, stored),
 *   limit: 5,
 *   accessToken,
 * });
 * if (redemption.outcome === 'wrong') console.log(`${5 - redemption.failures} tries left`);
 * ```
 */
export type Redemption =
  | { readonly outcome: 'exchanged' }
  | { readonly outcome: 'wrong'; readonly failures: number }
  | { readonly outcome: 'dead' }
  | { readonly outcome: 'used' };

/**
 * The outcome of `attempt` on a request token as a store read it inside its atomic step (`undefined`
 * if there is none). The store then writes what it says: for `exchanged` the new state and the
 * access token, for `wrong` the new count.
 *
 * @example
 * ```ts
 * const redemption = redemptionOf(tokens.get(token), attempt);
 * ```
 */
export function redemptionOf(
  token: Pick<RequestToken, 'state' | 'verifier' | 'verifierFailures'> | undefined,
  attempt: RedeemAttempt,
): Redemption {
  if (token?.state !== 'authorized') return { outcome: 'used' };
  if (token.verifierFailures >= attempt.limit) return { outcome: 'dead' };
  // An authorized token always has a verifier (the decision sets it); none never matches.
  if (token.verifier !== undefined && attempt.matches(token.verifier)) return { outcome: 'exchanged' };
  return { outcome: 'wrong', failures: token.verifierFailures + 1 };
}

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
   *
   * @defaultValue `false`
   */
  readonly sameRequest?: boolean;
}

/**
 * What the engine calls while it serves the token endpoints, the consent calls and verification:
 * all a store must implement for `createProvider`. Consumers get into it however the application
 * puts them there; the engine only reads them. The lifecycle operations (`registerConsumer`,
 * `revokeAccessToken`, `addUser` …) need the {@link AdminStore} part as well.
 *
 * The reads and writes every signed request makes (`getConsumer`, `getUser`, `getRequestToken`,
 * `getAccessToken`, `touchAccessToken`, `recordNonce`) may answer synchronously or with a promise.
 * A store that has the answer at hand (in memory, or from an embedded database) returns it as it is,
 * and the engine then checks the request without yielding to the event loop.
 *
 * @example
 * ```ts
 * const consumer = await store.getConsumer(key);
 * ```
 */
export interface EngineStore {
  getConsumer(key: string): MaybePromise<Consumer | undefined>;
  /**
   * The user of this name, if the store keeps users: without the `users` option of `createProvider`,
   * a user it holds as `suspended` is refused (`user_refused`). A store without users leaves it out.
   */
  getUser?(name: string, options?: ReadOptions): MaybePromise<User | undefined>;

  createRequestToken(token: RequestToken): Promise<void>;
  getRequestToken(token: string): MaybePromise<RequestToken | undefined>;
  /** Records the user's decision, only if the token is still pending. Returns whether it did. */
  decideRequestToken(token: string, decision: Decision): Promise<boolean>;
  /**
   * Tries to exchange an authorized request token for `attempt.accessToken`, comparing the verifier
   * inside the same atomic step. See {@link Redemption} for the outcomes.
   *
   * The store owes atomicity per request token, across every instance that shares it: concurrent
   * redemptions of one token run one after another, each seeing what the one before it left. So of
   * any number of concurrent attempts at most `attempt.limit` wrong verifiers are compared, and a
   * right one is taken only while fewer than `limit` wrong ones were compared before it; of many
   * concurrent attempts with the right verifier, exactly one gets `exchanged` and the rest `used`.
   */
  redeemRequestToken(token: string, attempt: RedeemAttempt): Promise<Redemption>;

  getAccessToken(token: string, options?: ReadOptions): MaybePromise<AccessToken | undefined>;
  touchAccessToken(token: string, at: number): MaybePromise<void>;

  /**
   * Records a nonce key at `now` until `expiresAt` (ms); returns `false` if it is already recorded
   * and not yet expired, and `false` (recording nothing) if `expiresAt <= now`: a record that is
   * already expired would let every copy of the request through. Must be atomic across every
   * instance that shares the store.
   */
  recordNonce(key: string, now: number, expiresAt: number): MaybePromise<boolean>;
}

/**
 * Records brought over from another provider, for `AdminStore.importRecords` to write together.
 *
 * @example
 * ```ts
 * const batch: ImportBatch = { users: [bob], consumers: [consumer], accessTokens: [token], replace: false };
 * ```
 */
export interface ImportBatch {
  /** Users to add; a user of the same name already stored stays as it is. */
  readonly users: readonly User[];
  readonly consumers: readonly Consumer[];
  readonly accessTokens: readonly AccessToken[];
  /**
   * Whether a consumer or access token whose key is already stored is replaced; if not, nothing is
   * written. A replaced consumer whose stored status is not `active` keeps that status, and a
   * replaced access token that is stored revoked stays revoked, from the earlier of the two times.
   */
  readonly replace: boolean;
}

/**
 * What `AdminStore.importRecords` did: wrote the whole batch, or (without `replace`) nothing, because
 * of the keys it names that are already stored.
 *
 * @example
 * ```ts
 * const result = await store.importRecords(batch);
 * if (!result.imported) console.log(`already stored: ${result.existingConsumers.join(', ')}`);
 * ```
 */
export type ImportResult =
  | { readonly imported: true }
  | {
      readonly imported: false;
      readonly existingConsumers: readonly string[];
      readonly existingAccessTokens: readonly string[];
    };

/**
 * The admin part: registering and changing consumers and users, listing and revoking grants, and
 * closing. The provider's lifecycle operations and the reference server's pages call these.
 *
 * @example
 * ```ts
 * const apps = await store.listConsumers('alice');
 * ```
 */
export interface AdminStore {
  /** Inserts or replaces a consumer. */
  putConsumer(consumer: Consumer): Promise<void>;
  /**
   * Inserts a consumer only if none has its key; returns whether it did. Atomic: of concurrent
   * registrations of one (chosen) key exactly one gets `true`, and no one's secret replaces another's.
   */
  addConsumer(consumer: Consumer): Promise<boolean>;
  /** Deletes a consumer and every token issued to it. */
  deleteConsumer(key: string): Promise<void>;
  listConsumers(owner: string): Promise<Consumer[]>;

  /** The user of this name (see `EngineStore.getUser`); a store with an admin part keeps users. */
  getUser(name: string, options?: ReadOptions): MaybePromise<User | undefined>;
  /** Inserts or replaces a user. */
  putUser(user: User): Promise<void>;
  /**
   * Inserts a user only if none of that name exists; returns whether it did. Atomic: of concurrent
   * sign-ups of one name, exactly one gets `true`, and no one's password replaces another's.
   */
  addUser(user: User): Promise<boolean>;

  /**
   * Writes a batch of imported records in one transaction: all of them, or none if a key is taken
   * (without `replace`) or a write fails half-way.
   */
  importRecords(batch: ImportBatch): Promise<ImportResult>;

  /** Marks an access token revoked (idempotent). Returns whether the token exists. */
  revokeAccessToken(token: string, at: number): Promise<boolean>;
  /** The access tokens a user granted, newest first. */
  listAccessTokens(user: string): Promise<AccessToken[]>;

  close(): Promise<void>;
}

/**
 * Where a provider keeps its data: both parts.
 *
 * @example
 * ```ts
 * const store: Store = new MemoryStore();
 * await store.putConsumer(consumer);
 * ```
 */
export type Store = EngineStore & AdminStore;

/** Where nonces are recorded, when that is not the main store (Redis, for many instances). */
export type NonceStore = Pick<Store, 'recordNonce' | 'close'>;

/**
 * A store whose nonces go to `nonces` and everything else to `store`; closing closes both (`store`
 * only if it has a `close`). `store` may be a whole `Store` or one written for the engine alone.
 *
 * @example
 * ```ts
 * const store = withNonceStore(await PostgresStore.connect(url), new RedisNonceStore(redisUrl));
 * ```
 */
export function withNonceStore<S extends EngineStore>(
  store: S,
  nonces: NonceStore,
): Omit<S, 'recordNonce' | 'close'> & NonceStore {
  const recordNonce = nonces.recordNonce.bind(nonces);
  const closeStore = (store as { close?: () => Promise<void> }).close;
  const close = async () => Promise.all([nonces.close(), closeStore?.call(store)]).then(() => undefined);
  // Methods are bound once, not on every call (every signed request makes several).
  const bound = new Map<PropertyKey, unknown>();
  // The proxy answers `close` itself, so it is a NonceStore whether or not `store` has a `close`.
  return new Proxy(store as S & NonceStore, {
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
