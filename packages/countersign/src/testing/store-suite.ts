/**
 * The one store suite every store runs: the contract of `provider/store.ts` — the reads and writes,
 * the atomic exchange of a request token and the nonce races under concurrency, expiry, and the read
 * options. It takes the test runner's own `describe`, `it`, `beforeEach` and `afterEach` (vitest's,
 * node:test's, or any with the same shape) and asserts with node:assert, so it needs no test
 * framework of its own and installs nothing.
 */
import assert from 'node:assert/strict';
import type { NonceStore, Redemption, Store } from '../provider/store.js';
import type { AccessToken } from '../provider/model.js';
import { accessTokenFixture, consumerFixture, requestTokenFixture } from './fixtures.js';
import { importTests } from './import-tests.js';

/** The test runner's functions the suite declares its tests with. */
export interface TestFunctions {
  readonly describe: (name: string, body: () => void) => unknown;
  readonly it: (name: string, body: () => Promise<void>) => unknown;
  readonly beforeEach: (body: () => Promise<void>) => unknown;
  readonly afterEach: (body: () => Promise<void>) => unknown;
}

/** What a suite runs against. */
export interface SuiteOptions<S> {
  /** Names the suite's tests. */
  readonly name: string;
  /** A fresh, empty store for each test. */
  readonly open: () => S | Promise<S>;
  /** Runs after each test, once the store is closed (drop its tables, say). */
  readonly cleanup?: (() => void | Promise<void>) | undefined;
  readonly test: TestFunctions;
}

/** A value with its `undefined` properties left out, as a row read back has them absent. */
function defined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(defined);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, defined(v)]),
  );
}

/** Equal, but for properties that are `undefined` in one and absent in the other. */
function same(actual: unknown, expected: unknown, message?: string): void {
  assert.deepEqual(defined(actual), defined(expected), message);
}

/** `actual` has every property of `expected` with its value (`undefined` meaning absent). */
function includes(actual: unknown, expected: Record<string, unknown>): void {
  assert.ok(actual !== null && typeof actual === 'object', 'expected a record');
  const record = actual as Record<string, unknown>;
  for (const [key, value] of Object.entries(expected)) same(record[key], value, `property ${key}`);
}

/** Declares `body` for each test, on a store from `open` closed after it. */
function withStore<S extends Pick<Store, 'close'>>(
  options: SuiteOptions<S>,
  title: string,
  body: (store: () => S) => void,
): void {
  const { describe, beforeEach, afterEach } = options.test;
  describe(`${options.name} ${title}`, () => {
    let store: S | undefined;
    beforeEach(async () => {
      store = await options.open();
    });
    afterEach(async () => {
      await store?.close();
      await options.cleanup?.();
    });
    body(() => store as S);
  });
}

/**
 * Runs the nonce part of the contract against fresh nonce stores. A store that expires nonces by
 * its own clock (Redis) rather than by the `now` it is given passes `expiresByGivenClock: false`,
 * which skips the steps that move `now` past an expiry.
 *
 * @example
 * ```ts
 * import { afterEach, beforeEach, describe, it } from 'vitest'; // or 'node:test'
 * runNonceSuite({ name: 'my nonces', open: () => new MyNonceStore(), test: { describe, it, beforeEach, afterEach } });
 * ```
 */
export function runNonceSuite(
  options: SuiteOptions<NonceStore> & { readonly expiresByGivenClock?: boolean | undefined },
): void {
  const { it } = options.test;
  const expiresByGivenClock = options.expiresByGivenClock ?? true;
  withStore(options, 'nonces', (store) => {
    if (expiresByGivenClock) {
      it('records a nonce once until it expires', async () => {
        assert.equal(await store().recordNonce('n1', 1000, 2000), true);
        assert.equal(await store().recordNonce('n1', 1500, 2500), false);
        assert.equal(await store().recordNonce('n2', 1500, 2500), true);
        assert.equal(await store().recordNonce('n1', 2000, 3000), true);
        assert.equal(await store().recordNonce('n1', 2999, 4000), false);
      });
    }

    it('of 100 concurrent records of one nonce, exactly one succeeds', async () => {
      const results = await Promise.all(
        Array.from({ length: 100 }, async () => store().recordNonce('same', 1000, 5000)),
      );
      assert.equal(results.filter(Boolean).length, 1);
    });

    it('never records a nonce whose expiry is not after now', async () => {
      assert.equal(await store().recordNonce('late', 5000, 5000), false);
      assert.equal(await store().recordNonce('late', 5000, 4000), false);
      // Nothing was held: the same key with time left is new, and then refused.
      assert.equal(await store().recordNonce('late', 5000, 65_000), true);
      assert.equal(await store().recordNonce('late', 5000, 65_000), false);
    });

    it('refuses a nonce up to its expiry', async () => {
      assert.equal(await store().recordNonce('edge', 1000, 61_000), true);
      assert.equal(await store().recordNonce('edge', 60_999, 61_000), false);
      if (!expiresByGivenClock) return;
      assert.equal(await store().recordNonce('edge', 61_000, 61_000), false);
      // Recorded in the last millisecond of its time, and replayed in that millisecond.
      assert.equal(await store().recordNonce('last', 60_999, 61_000), true);
      assert.equal(await store().recordNonce('last', 60_999, 61_000), false);
      assert.equal(await store().recordNonce('last', 61_000, 61_000), false);
    });
  });
}

/**
 * Exchanges an authorized request token with a verifier taken as right, for tests that need an
 * access token issued.
 *
 * @example
 * ```ts
 * await exchangeWithRightVerifier(store, requestToken, accessTokenFixture());
 * ```
 */
export function exchangeWithRightVerifier(
  store: Pick<Store, 'redeemRequestToken'>,
  requestToken: string,
  accessToken: AccessToken,
): Promise<Redemption> {
  return store.redeemRequestToken(requestToken, { matches: () => true, limit: 5, accessToken });
}

/**
 * Runs the whole contract, the nonces included, against fresh stores. A store that pays a round
 * trip per operation may race fewer `concurrentGuesses` (default 1,000) at one request token.
 *
 * @example
 * ```ts
 * import { afterEach, beforeEach, describe, it } from 'node:test';
 * import { runStoreSuite } from 'countersign/testing';
 * runStoreSuite({ name: 'MyStore', open: () => new MyStore(), test: { describe, it, beforeEach, afterEach } });
 * ```
 */
export function runStoreSuite(
  options: SuiteOptions<Store> & { readonly concurrentGuesses?: number | undefined },
): void {
  runNonceSuite(options);
  withStore(options, 'store', (store) => {
    consumerAndUserTests(options.test, store);
    requestTokenTests(options.test, store, options.concurrentGuesses ?? 1000);
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

function requestTokenTests({ it }: TestFunctions, store: () => Store, concurrentGuesses: number): void {
  it('decides a request token once', async () => {
    await store().createRequestToken(requestTokenFixture());
    same(await store().getRequestToken('r'.repeat(32)), requestTokenFixture());
    const decision = {
      state: 'authorized',
      user: 'bob',
      grantedScopes: ['read_public'],
      verifier: 'v'.repeat(32),
    } as const;
    assert.equal(await store().decideRequestToken('r'.repeat(32), decision), true);
    assert.equal(await store().decideRequestToken('r'.repeat(32), { state: 'denied', user: 'bob' }), false);
    includes(await store().getRequestToken('r'.repeat(32)), {
      state: 'authorized',
      user: 'bob',
      grantedScopes: ['read_public'],
      verifier: 'v'.repeat(32),
    });
    assert.equal(await store().decideRequestToken('missing', decision), false);
  });

  it('redeems only an authorized request token, and only once', async () => {
    const compared: string[] = [];
    const attempt = (token = 'a'.repeat(32)) => ({
      matches: (stored: string) => (compared.push(stored), stored === 'v'.repeat(32)),
      limit: 5,
      accessToken: accessTokenFixture({ token }),
    });
    same(await store().redeemRequestToken('missing', attempt()), { outcome: 'used' });
    await store().createRequestToken(requestTokenFixture());
    same(await store().redeemRequestToken('r'.repeat(32), attempt()), { outcome: 'used' });
    await store().createRequestToken(requestTokenFixture({ token: 'd'.repeat(32) }));
    await store().decideRequestToken('d'.repeat(32), { state: 'denied', user: 'bob' });
    same(await store().redeemRequestToken('d'.repeat(32), attempt()), { outcome: 'used' });
    same(compared, []);
    await store().decideRequestToken('r'.repeat(32), {
      state: 'authorized',
      user: 'bob',
      grantedScopes: [],
      verifier: 'v'.repeat(32),
    });
    same(await store().redeemRequestToken('r'.repeat(32), attempt()), { outcome: 'exchanged' });
    same(compared, ['v'.repeat(32)]);
    same(await store().redeemRequestToken('r'.repeat(32), attempt('b'.repeat(32))), { outcome: 'used' });
    assert.equal(compared.length, 1);
    assert.equal((await store().getRequestToken('r'.repeat(32)))?.state, 'exchanged');
    same(await store().getAccessToken('a'.repeat(32)), accessTokenFixture());
    assert.equal(await store().getAccessToken('b'.repeat(32)), undefined);
  });

  it('counts wrong verifiers up to the limit, then compares none, not even the right one', async () => {
    await store().createRequestToken(
      requestTokenFixture({ state: 'authorized', user: 'bob', verifier: 'v'.repeat(32) }),
    );
    let compared = 0;
    const attempt = (guess: string) => ({
      matches: (stored: string) => (compared++, stored === guess),
      limit: 3,
      accessToken: accessTokenFixture(),
    });
    const redeem = (guess: string) => store().redeemRequestToken('r'.repeat(32), attempt(guess));
    same(await redeem('wrong'), { outcome: 'wrong', failures: 1 });
    same(await redeem('wrong'), { outcome: 'wrong', failures: 2 });
    assert.equal((await store().getRequestToken('r'.repeat(32)))?.verifierFailures, 2);
    same(await redeem('wrong'), { outcome: 'wrong', failures: 3 });
    same(await redeem('wrong'), { outcome: 'dead' });
    same(await redeem('v'.repeat(32)), { outcome: 'dead' });
    assert.equal(compared, 3);
    includes(await store().getRequestToken('r'.repeat(32)), { state: 'authorized', verifierFailures: 3 });
    assert.equal(await store().getAccessToken('a'.repeat(32)), undefined);
  });

  it(`of ${concurrentGuesses} concurrent guesses with the right one in the middle, compares at most five wrong ones, and takes the right one only before the fifth`, async () => {
    await store().createRequestToken(
      requestTokenFixture({ state: 'authorized', user: 'bob', verifier: 'v'.repeat(32) }),
    );
    // Every comparison, in the order the store made them: whether it matched.
    const comparisons: boolean[] = [];
    const attempt = (guess: string) => ({
      matches: (stored: string) => {
        const matched = stored === guess;
        comparisons.push(matched);
        return matched;
      },
      limit: 5,
      accessToken: accessTokenFixture(),
    });
    const right = Math.floor(concurrentGuesses / 2);
    const redemptions = await Promise.all(
      Array.from({ length: concurrentGuesses }, (_, i) =>
        store().redeemRequestToken('r'.repeat(32), attempt(i === right ? 'v'.repeat(32) : `wrong ${i}`)),
      ),
    );
    const wrongCompared = comparisons.filter((matched) => !matched).length;
    assert.ok(wrongCompared <= 5, `${wrongCompared} wrong verifiers compared`);
    assert.equal(redemptions.filter((r) => r.outcome === 'wrong').length, wrongCompared);
    const exchanged = redemptions.filter((r) => r.outcome === 'exchanged');
    if (exchanged.length === 1) {
      same(redemptions[right], { outcome: 'exchanged' });
      assert.ok(comparisons.indexOf(true) < 5);
    } else {
      same(exchanged, []);
      assert.equal(wrongCompared, 5);
      same(redemptions[right], { outcome: 'dead' });
      assert.equal((await store().getRequestToken('r'.repeat(32)))?.verifierFailures, 5);
    }
  });

  it('of 100 concurrent redemptions with the right verifier, exactly one exchanges and the others find it used', async () => {
    await store().createRequestToken(
      requestTokenFixture({ state: 'authorized', user: 'bob', verifier: 'v'.repeat(32) }),
    );
    const token = (i: number) => `t${String(i).padStart(31, '0')}`;
    const redemptions = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        exchangeWithRightVerifier(store(), 'r'.repeat(32), accessTokenFixture({ token: token(i) })),
      ),
    );
    assert.equal(redemptions.filter((r) => r.outcome === 'used').length, 99);
    const winner = redemptions.findIndex((r) => r.outcome === 'exchanged');
    assert.notEqual(await store().getAccessToken(token(winner)), undefined);
    assert.equal((await store().getRequestToken('r'.repeat(32)))?.verifierFailures, 0);
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
