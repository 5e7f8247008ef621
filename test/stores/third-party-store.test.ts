/**
 * A store as a third party would write one: plain maps, importing nothing of the library at run
 * time (only its types), in the shape of node-oidc-provider's example adapter. It runs the library's
 * contract suite from `countersign/testing` as any store does — so the suite asks nothing of a store
 * beyond the contract — and a provider built on it serves a signed request.
 */
/* eslint-disable @typescript-eslint/require-await -- the contract's writes return promises, and these maps have the answer at once */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Consumer, ImportBatch, ImportResult, Store, User } from 'countersign';
import { createProvider } from 'countersign';
import { signRequest } from 'countersign/client';
import { consumerFixture, runStoreSuite } from 'countersign/testing';
import { EngineMapStore } from '../support/engine-map-store.js';

/** Everything in maps; every operation synchronous from read to write, so the atomic ones are atomic. */
class MapStore extends EngineMapStore implements Store {
  readonly users = new Map<string, User>();

  async putConsumer(consumer: Consumer) {
    this.consumers.set(consumer.key, consumer);
  }
  async addConsumer(consumer: Consumer) {
    if (this.consumers.has(consumer.key)) return false;
    this.consumers.set(consumer.key, consumer);
    return true;
  }
  async deleteConsumer(key: string) {
    this.consumers.delete(key);
    for (const [k, t] of this.requestTokens) if (t.consumerKey === key) this.requestTokens.delete(k);
    for (const [k, t] of this.accessTokens) if (t.consumerKey === key) this.accessTokens.delete(k);
  }
  async listConsumers(owner: string) {
    return [...this.consumers.values()]
      .filter((c) => c.owner === owner)
      .sort((a, b) => b.createdAt - a.createdAt);
  }
  getUser(name: string) {
    return this.users.get(name);
  }
  async putUser(user: User) {
    this.users.set(user.name, user);
  }
  async addUser(user: User) {
    if (this.users.has(user.name)) return false;
    this.users.set(user.name, user);
    return true;
  }
  async revokeAccessToken(token: string, at: number) {
    const current = this.accessTokens.get(token);
    if (!current) return false;
    if (current.revokedAt === undefined) this.accessTokens.set(token, { ...current, revokedAt: at });
    return true;
  }
  async listAccessTokens(user: string) {
    return [...this.accessTokens.values()]
      .filter((t) => t.user === user)
      .sort((a, b) => b.createdAt - a.createdAt);
  }
  async importRecords(batch: ImportBatch): Promise<ImportResult> {
    const existingConsumers = batch.consumers.map((c) => c.key).filter((k) => this.consumers.has(k));
    const existingAccessTokens = batch.accessTokens
      .map((t) => t.token)
      .filter((t) => this.accessTokens.has(t));
    if (!batch.replace && existingConsumers.length + existingAccessTokens.length > 0)
      return { imported: false, existingConsumers, existingAccessTokens };
    // Copied before anything is written, so a record that cannot be read writes nothing.
    const copies = {
      consumers: batch.consumers.map((c) => ({ ...c })),
      tokens: batch.accessTokens.map((t) => ({ ...t })),
    };
    for (const user of batch.users) if (!this.users.has(user.name)) this.users.set(user.name, { ...user });
    // Replacing keeps what was decided here: a status other than active, and a revocation.
    for (const consumer of copies.consumers) {
      const status = this.consumers.get(consumer.key)?.status ?? 'active';
      this.consumers.set(consumer.key, status === 'active' ? consumer : { ...consumer, status });
    }
    for (const token of copies.tokens) {
      const revoked = this.accessTokens.get(token.token)?.revokedAt;
      const revokedAt =
        revoked === undefined ? token.revokedAt : Math.min(revoked, token.revokedAt ?? revoked);
      this.accessTokens.set(token.token, { ...token, revokedAt });
    }
    return { imported: true };
  }
  async close() {}
}

runStoreSuite({
  name: 'a third-party map store',
  open: () => new MapStore(),
  test: { describe, it, beforeEach, afterEach },
});

describe('a provider on a third-party store', () => {
  it('verifies a two-legged request signed by a consumer it holds', async () => {
    const store = new MapStore();
    const consumer = consumerFixture({ signatureMethods: ['HMAC-SHA1'], rsaPublicKey: undefined });
    await store.putConsumer(consumer);
    const now = 1_800_000_000_000;
    const provider = createProvider({ store, clock: () => now });
    const { authorization } = signRequest({
      method: 'GET',
      url: 'http://api.test/me',
      consumerKey: consumer.key,
      consumerSecret: consumer.secret,
      timestamp: String(now / 1000),
    });
    const verified = await provider.verify({
      method: 'GET',
      target: '/me',
      headers: { host: 'api.test', authorization },
      secure: false,
    });
    expect(verified.twoLegged).toBe(true);
    expect(verified.user).toBeUndefined();
    expect(verified.consumer.key).toBe(consumer.key);
    expect(store.nonces.size).toBe(1);
  });
});
