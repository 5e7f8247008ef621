/**
 * The nonce part of the store contract (`recordNonce`), which a separate nonce store (Redis) runs on
 * its own: a nonce recorded once until it expires, atomically under concurrency.
 */
import assert from 'node:assert/strict';
import type { EngineStore } from '../provider/store.js';
import { type SuiteOptions, withStore } from './suite-kit.js';

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
  options: SuiteOptions<Pick<EngineStore, 'recordNonce'>> & {
    /**
     * Whether the store expires nonces by the `now` it is given; `false` for one that uses its own
     * clock (Redis), which skips the steps that move `now` past an expiry.
     *
     * @defaultValue `true`
     */
    readonly expiresByGivenClock?: boolean | undefined;
  },
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
