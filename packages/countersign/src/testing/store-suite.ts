/**
 * The one store suite every store of the library runs: the contract of `provider/store.ts` — the
 * engine part (`engine-suite.ts`: the reads and writes of a request, the atomic exchange of a request
 * token and the nonce races under concurrency, expiry, the read options) and the admin part here
 * (consumers and users put, added, listed and deleted; grants revoked and listed). It takes the test
 * runner's own `describe`, `it`, `beforeEach` and `afterEach` (vitest's, node:test's, or any with the
 * same shape) and asserts with node:assert, so it needs no test framework of its own and installs
 * nothing.
 */
import assert from 'node:assert/strict';
import type { Store } from '../provider/store.js';
import { runEngineSuite } from './engine-suite.js';
import { accessTokenFixture, consumerFixture, requestTokenFixture } from './fixtures.js';
import {
  exchangeWithRightVerifier,
  includes,
  same,
  type SuiteOptions,
  type TestFunctions,
  withStore,
} from './suite-kit.js';
import { importTests } from './import-tests.js';

/**
 * Runs the whole contract against fresh stores: the engine part ({@link runEngineSuite}, the nonces
 * included) and the admin part. A store that pays a round trip per operation may race fewer
 * `concurrentGuesses` (default 1,000) at one request token.
 *
 * @example
 * ```ts
 * import { afterEach, beforeEach, describe, it } from 'node:test';
 * import { runStoreSuite } from 'countersign/testing';
 * runStoreSuite({ name: 'MyStore', open: () => new MyStore(), test: { describe, it, beforeEach, afterEach } });
 * ```
 */
export function runStoreSuite(
  options: SuiteOptions<Store> & {
    /**
     * How many guesses of a verifier race at one request token at once.
     *
     * @defaultValue `1000`
     */
    readonly concurrentGuesses?: number | undefined;
  },
): void {
  runEngineSuite({ ...options, putConsumer: (store, consumer) => store.putConsumer(consumer) });
  withStore(options, 'store', (store) => {
    consumerAndUserTests(options.test, store);
    accessTokenTests(options.test, store);
    importTests(options.test, store);
  });
}

function consumerAndUserTests({ it }: TestFunctions, store: () => Store): void {
  it('stores, replaces, lists and deletes consumers', async () => {
    const consumer = consumerFixture();
    await store().putConsumer(consumer);
    same(await store().getConsumer(consumer.key), consumer);
    await store().putConsumer({
      ...consumer,
      status: 'suspended',
      description: undefined,
      rsaPublicKey: undefined,
    });
    includes(await store().getConsumer(consumer.key), { status: 'suspended', description: undefined });
    await store().putConsumer(consumerFixture({ key: 'j'.repeat(32), createdAt: 1_800_000_000_000 }));
    await store().putConsumer(consumerFixture({ key: 'x'.repeat(32), owner: 'carol' }));
    same(
      (await store().listConsumers('alice')).map((c) => c.key),
      ['j'.repeat(32), 'k'.repeat(32)],
    );
    assert.equal(await store().getConsumer('nope'), undefined);
  });

  it("keeps a consumer's previous secret with its end, and drops it when replaced without one", async () => {
    const previousSecret = { secret: 'p'.repeat(32), expiresAt: 1_700_000_360_000 };
    const rotated = consumerFixture({ secret: 'n'.repeat(32), previousSecret });
    await store().putConsumer(rotated);
    same(await store().getConsumer(rotated.key), rotated);
    same((await store().listConsumers(rotated.owner))[0]?.previousSecret, previousSecret);
    await store().putConsumer({ ...rotated, previousSecret: undefined });
    assert.equal((await store().getConsumer(rotated.key))?.previousSecret, undefined);
    assert.equal((await store().getConsumer(rotated.key))?.secret, 'n'.repeat(32));
  });

  it('adds a consumer only under a key no consumer has: one of concurrent adds wins, none replaces it', async () => {
    const lms = consumerFixture({ key: 'moodle-school-a', lti: true, twoLegged: false, scopes: [] });
    const secrets = Array.from({ length: 8 }, (_, i) => `${i}`.repeat(32));
    const added = await Promise.all(secrets.map((secret) => store().addConsumer({ ...lms, secret })));
    assert.equal(added.filter(Boolean).length, 1);
    const winner = secrets[added.indexOf(true)];
    same(await store().getConsumer('moodle-school-a'), { ...lms, secret: winner });
    assert.equal(
      await store().addConsumer(consumerFixture({ key: 'moodle-school-a', name: 'Another' })),
      false,
    );
    includes(await store().getConsumer('moodle-school-a'), { name: 'Printer', lti: true });
  });

  it('deleting a consumer deletes its tokens', async () => {
    await store().putConsumer(consumerFixture());
    await store().createRequestToken(
      requestTokenFixture({ state: 'authorized', user: 'bob', verifier: 'v' }),
    );
    await exchangeWithRightVerifier(store(), 'r'.repeat(32), accessTokenFixture());
    await store().deleteConsumer('k'.repeat(32));
    assert.equal(await store().getConsumer('k'.repeat(32)), undefined);
    assert.equal(await store().getRequestToken('r'.repeat(32)), undefined);
    assert.equal(await store().getAccessToken('a'.repeat(32)), undefined);
  });

  it('stores users and updates their status', async () => {
    await store().putUser({ name: 'bob', status: 'active', createdAt: 5 });
    await store().putUser({ name: 'bob', status: 'suspended', createdAt: 5 });
    same(await store().getUser('bob'), { name: 'bob', status: 'suspended', createdAt: 5 });
    assert.equal(await store().getUser('nobody'), undefined);
  });

  it('adds a user only under a name not taken, also when many try at once', async () => {
    const user = (createdAt: number) => ({ name: 'carol', status: 'active' as const, createdAt });
    const added = await Promise.all(Array.from({ length: 20 }, (_, i) => store().addUser(user(i))));
    assert.equal(added.filter(Boolean).length, 1);
    const winner = added.indexOf(true);
    assert.equal((await store().getUser('carol'))?.createdAt, winner);
    assert.equal(await store().addUser(user(99)), false);
    assert.equal((await store().getUser('carol'))?.createdAt, winner);
  });

  it('reads for a signed request (sameRequest) see what the store holds, and every write made through it', async () => {
    await store().putConsumer(consumerFixture());
    await store().putUser({ name: 'bob', status: 'active', createdAt: 5 });
    await store().createRequestToken(
      requestTokenFixture({ state: 'authorized', user: 'bob', verifier: 'v' }),
    );
    await exchangeWithRightVerifier(store(), 'r'.repeat(32), accessTokenFixture());
    // As a signed request reads: its consumer first, then its token and user for the same request.
    same(await store().getConsumer('k'.repeat(32)), consumerFixture());
    same(await store().getAccessToken('a'.repeat(32), { sameRequest: true }), accessTokenFixture());
    same(await store().getUser('bob', { sameRequest: true }), {
      name: 'bob',
      status: 'active',
      createdAt: 5,
    });
    await store().revokeAccessToken('a'.repeat(32), 1_700_000_300_000);
    await store().putUser({ name: 'bob', status: 'suspended', createdAt: 5 });
    await store().getConsumer('k'.repeat(32));
    includes(await store().getAccessToken('a'.repeat(32), { sameRequest: true }), {
      revokedAt: 1_700_000_300_000,
    });
    includes(await store().getUser('bob', { sameRequest: true }), { status: 'suspended' });
    assert.equal(await store().getAccessToken('missing', { sameRequest: true }), undefined);
  });
}

function accessTokenTests({ it }: TestFunctions, store: () => Store): void {
  it('revokes, touches and lists access tokens', async () => {
    await store().createRequestToken(
      requestTokenFixture({ state: 'authorized', user: 'bob', verifier: 'v' }),
    );
    await exchangeWithRightVerifier(
      store(),
      'r'.repeat(32),
      accessTokenFixture({ expiresAt: 1_900_000_000_000 }),
    );
    await store().touchAccessToken('a'.repeat(32), 1_700_000_200_000);
    assert.equal(await store().revokeAccessToken('a'.repeat(32), 1_700_000_300_000), true);
    assert.equal(await store().revokeAccessToken('a'.repeat(32), 1_700_000_400_000), true);
    assert.equal(await store().revokeAccessToken('missing', 1), false);
    includes(await store().getAccessToken('a'.repeat(32)), {
      lastUsedAt: 1_700_000_200_000,
      revokedAt: 1_700_000_300_000,
      expiresAt: 1_900_000_000_000,
    });
    same(
      (await store().listAccessTokens('bob')).map((t) => t.token),
      ['a'.repeat(32)],
    );
    same(await store().listAccessTokens('carol'), []);
  });
}
