/**
 * The library's store contract suite (`countersign/testing`), bound to vitest: every store in the
 * repository runs it through these two calls, and the fixtures it stores are re-exported for the
 * tests that need records of their own.
 */
import { afterEach, beforeEach, describe, it } from 'vitest';
import {
  runNonceSuite as runLibraryNonceSuite,
  runStoreSuite as runLibraryStoreSuite,
} from '../../packages/countersign/src/testing/index.js';
import type { NonceStore, Store } from '../../packages/countersign/src/provider/store.js';

export {
  accessTokenFixture,
  consumerFixture,
  exchangeWithRightVerifier,
  requestTokenFixture,
} from '../../packages/countersign/src/testing/index.js';

const test = { describe, it, beforeEach, afterEach };

/** The nonce part of the contract, on fresh nonce stores from `open`. */
export function runNonceSuite(
  name: string,
  open: () => Promise<NonceStore>,
  cleanup?: () => Promise<void>,
  { expiresByGivenClock = true } = {},
): void {
  runLibraryNonceSuite({ name, open, cleanup, test, expiresByGivenClock });
}

/** The whole contract, on fresh stores from `open`; `cleanup` runs after each is closed. */
export function runStoreSuite(
  name: string,
  open: () => Promise<Store>,
  cleanup?: () => Promise<void>,
  { concurrentGuesses = 1000 } = {},
): void {
  runLibraryStoreSuite({ name, open, cleanup, test, concurrentGuesses });
}
