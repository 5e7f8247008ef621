/**
 * An in-memory store, for tests and for embedding in a single process. Every operation runs
 * synchronously inside one call, so the atomic ones are atomic. Nonces are swept as they expire, so
 * their memory is bounded by the timestamp window.
 */
import type { AccessToken, Consumer, RequestToken, User } from '../provider/model.js';
import { NonceCache } from './nonce-cache.js';
import {
  type Decision,
  type ImportBatch,
  type ImportResult,
  type RedeemAttempt,
  redemptionOf,
  type Store,
} from '../provider/store.js';

/**
 * @example
 * ```ts
 * const provider = createProvider({ store: new MemoryStore() });
 * ```
 */
export class MemoryStore implements Store {
  readonly #consumers = new Map<string, Consumer>();
  readonly #users = new Map<string, User>();
  readonly #requestTokens = new Map<string, RequestToken>();
  readonly #accessTokens = new Map<string, AccessToken>();
  readonly #nonces = new NonceCache();

  getConsumer(key: string) {
    return this.#consumers.get(key);
  }

  putConsumer(consumer: Consumer) {
    this.#consumers.set(consumer.key, consumer);
    return Promise.resolve();
  }

  addConsumer(consumer: Consumer) {
    if (this.#consumers.has(consumer.key)) return Promise.resolve(false);
    this.#consumers.set(consumer.key, consumer);
    return Promise.resolve(true);
  }

  deleteConsumer(key: string) {
    this.#consumers.delete(key);
    for (const [token, t] of this.#requestTokens)
      if (t.consumerKey === key) this.#requestTokens.delete(token);
    for (const [token, t] of this.#accessTokens) if (t.consumerKey === key) this.#accessTokens.delete(token);
    return Promise.resolve();
  }

  listConsumers(owner: string) {
    return Promise.resolve(
      [...this.#consumers.values()]
        .filter((c) => c.owner === owner)
        .sort((a, b) => b.createdAt - a.createdAt),
    );
  }

  getUser(name: string) {
    return this.#users.get(name);
  }

  putUser(user: User) {
    this.#users.set(user.name, user);
    return Promise.resolve();
  }

  addUser(user: User) {
    if (this.#users.has(user.name)) return Promise.resolve(false);
    this.#users.set(user.name, user);
    return Promise.resolve(true);
  }

  createRequestToken(token: RequestToken) {
    this.#requestTokens.set(token.token, token);
    return Promise.resolve();
  }

  getRequestToken(token: string) {
    return this.#requestTokens.get(token);
  }

  decideRequestToken(token: string, decision: Decision) {
    const current = this.#requestTokens.get(token);
    if (current?.state !== 'pending') return Promise.resolve(false);
    this.#requestTokens.set(token, { ...current, ...decision });
    return Promise.resolve(true);
  }

  redeemRequestToken(token: string, attempt: RedeemAttempt) {
    // Synchronous from read to write, so atomic.
    const current = this.#requestTokens.get(token);
    const redemption = redemptionOf(current, attempt);
    if (current && redemption.outcome === 'wrong')
      this.#requestTokens.set(token, { ...current, verifierFailures: redemption.failures });
    if (current && redemption.outcome === 'exchanged') {
      this.#requestTokens.set(token, { ...current, state: 'exchanged' });
      this.#accessTokens.set(attempt.accessToken.token, attempt.accessToken);
    }
    return Promise.resolve(redemption);
  }

  getAccessToken(token: string) {
    return this.#accessTokens.get(token);
  }

  revokeAccessToken(token: string, at: number) {
    const current = this.#accessTokens.get(token);
    if (!current) return Promise.resolve(false);
    if (current.revokedAt === undefined) this.#accessTokens.set(token, { ...current, revokedAt: at });
    return Promise.resolve(true);
  }

  touchAccessToken(token: string, at: number) {
    const current = this.#accessTokens.get(token);
    if (current) this.#accessTokens.set(token, { ...current, lastUsedAt: at });
  }

  listAccessTokens(user: string) {
    return Promise.resolve(
      [...this.#accessTokens.values()]
        .filter((t) => t.user === user)
        .sort((a, b) => b.createdAt - a.createdAt),
    );
  }

  importRecords(batch: ImportBatch): Promise<ImportResult> {
    if (!batch.replace) {
      const existingConsumers = batch.consumers.map((c) => c.key).filter((k) => this.#consumers.has(k));
      const existingAccessTokens = batch.accessTokens
        .map((t) => t.token)
        .filter((t) => this.#accessTokens.has(t));
      if (existingConsumers.length + existingAccessTokens.length > 0)
        return Promise.resolve({ imported: false, existingConsumers, existingAccessTokens });
    }
    // Copied first, written after: a record that cannot be read fails the import before any write.
    let users: User[], consumers: Consumer[], accessTokens: AccessToken[];
    try {
      users = batch.users.map((u) => ({ ...u }));
      consumers = batch.consumers.map((c) => ({ ...c }));
      accessTokens = batch.accessTokens.map((t) => ({ ...t }));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    for (const u of users) if (!this.#users.has(u.name)) this.#users.set(u.name, u);
    // A stored consumer that is not active keeps its status; a stored revoked token stays revoked.
    for (const c of consumers) {
      const stored = this.#consumers.get(c.key);
      this.#consumers.set(c.key, stored && stored.status !== 'active' ? { ...c, status: stored.status } : c);
    }
    for (const t of accessTokens) {
      const revoked = this.#accessTokens.get(t.token)?.revokedAt;
      const revokedAt = revoked === undefined ? t.revokedAt : Math.min(revoked, t.revokedAt ?? revoked);
      this.#accessTokens.set(t.token, { ...t, revokedAt });
    }
    return Promise.resolve({ imported: true as const });
  }

  recordNonce(key: string, now: number, expiresAt: number) {
    return this.#nonces.record(key, now, expiresAt);
  }

  /** How many nonces are held; bounded by the requests of one timestamp window. */
  get nonceCount(): number {
    return this.#nonces.size;
  }

  close() {
    return Promise.resolve();
  }
}
