/**
 * The engine part of the store contract (`EngineStore`): what every store runs, and all a store
 * written for `createProvider` alone must pass — consumer reads, the request tokens' decision and
 * atomic exchange under concurrency, access-token reads and touches, the read options, and the
 * nonces. The consumers it reads are put into the store the way the application puts them there.
 */
import assert from 'node:assert/strict';
import type { Consumer } from '../provider/model.js';
import type { EngineStore } from '../provider/store.js';
import { accessTokenFixture, consumerFixture, requestTokenFixture } from './fixtures.js';
import { runNonceSuite } from './nonce-suite.js';
import {
  exchangeWithRightVerifier,
  includes,
  same,
  type SuiteOptions,
  type TestFunctions,
  withStore,
} from './suite-kit.js';

/** What the engine part of the suite runs against. */
export interface EngineSuiteOptions<S extends EngineStore> extends SuiteOptions<S> {
  /**
   * Puts a consumer into a store from `open`, as the application does (the engine only reads
   * consumers): a SQL insert, a call to the application's own admin code, a map's `set`.
   */
  readonly putConsumer: (store: S, consumer: Consumer) => void | Promise<void>;
  /**
   * How many guesses race at one request token; fewer for a store with round trips.
   *
   * @defaultValue `1000`
   */
  readonly concurrentGuesses?: number | undefined;
}

/**
 * Runs the engine part of the contract, the nonces included, against fresh stores: what a store
 * that implements only `EngineStore` (no admin part) must pass.
 *
 * @example
 * ```ts
 * import { afterEach, beforeEach, describe, it } from 'node:test';
 * import { runEngineSuite } from 'countersign/testing';
 * runEngineSuite({
 *   name: 'MyEngineStore',
 *   open: () => new MyEngineStore(),
 *   putConsumer: (store, consumer) => store.consumers.set(consumer.key, consumer),
 *   test: { describe, it, beforeEach, afterEach },
 * });
 * ```
 */
export function runEngineSuite<S extends EngineStore>(options: EngineSuiteOptions<S>): void {
  runNonceSuite(options);
  withStore(options, 'engine', (store) => {
    const put = (consumer: Consumer) => options.putConsumer(store(), consumer);
    consumerReadTests(options.test, store, put);
    requestTokenTests(options.test, store, options.concurrentGuesses ?? 1000);
    accessTokenReadTests(options.test, store, put);
  });
}

function consumerReadTests(
  { it }: TestFunctions,
  store: () => EngineStore,
  put: (consumer: Consumer) => void | Promise<void>,
): void {
  it('reads the consumers put into it, with their previous secret, and no other', async () => {
    const previousSecret = { secret: 'p'.repeat(32), expiresAt: 1_700_000_360_000 };
    await put(consumerFixture({ previousSecret }));
    await put(consumerFixture({ key: 'moodle-school-a', lti: true, twoLegged: false, scopes: [] }));
    same(await store().getConsumer('k'.repeat(32)), consumerFixture({ previousSecret }));
    includes(await store().getConsumer('moodle-school-a'), { lti: true, scopes: [] });
    assert.equal(await store().getConsumer('nope'), undefined);
  });
}

function requestTokenTests({ it }: TestFunctions, store: () => EngineStore, concurrentGuesses: number): void {
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

function accessTokenReadTests(
  { it }: TestFunctions,
  store: () => EngineStore,
  put: (consumer: Consumer) => void | Promise<void>,
): void {
  it('touches access tokens, and reads for a signed request (sameRequest) see every write made through it', async () => {
    await put(consumerFixture());
    await store().createRequestToken(
      requestTokenFixture({ state: 'authorized', user: 'bob', verifier: 'v' }),
    );
    await exchangeWithRightVerifier(store(), 'r'.repeat(32), accessTokenFixture());
    // As a signed request reads: its consumer first, then its token for the same request.
    same(await store().getConsumer('k'.repeat(32)), consumerFixture());
    same(await store().getAccessToken('a'.repeat(32), { sameRequest: true }), accessTokenFixture());
    await store().touchAccessToken('a'.repeat(32), 1_700_000_200_000);
    await store().touchAccessToken('missing', 1_700_000_200_000);
    await store().getConsumer('k'.repeat(32));
    includes(await store().getAccessToken('a'.repeat(32), { sameRequest: true }), {
      lastUsedAt: 1_700_000_200_000,
    });
    includes(await store().getAccessToken('a'.repeat(32)), { lastUsedAt: 1_700_000_200_000 });
    assert.equal(await store().getAccessToken('missing', { sameRequest: true }), undefined);
    assert.equal(await store().getAccessToken('missing'), undefined);
  });
}
