/**
 * `countersign/testing`: the store contract suite, for any store — the library's, the store
 * packages', or one of your own — with the fixtures it stores. It runs under vitest, node:test, or
 * any runner with `describe`, `it`, `beforeEach` and `afterEach`.
 */
export { accessTokenFixture, consumerFixture, requestTokenFixture } from './fixtures.js';
export {
  exchangeWithRightVerifier,
  runNonceSuite,
  runStoreSuite,
  type SuiteOptions,
  type TestFunctions,
} from './store-suite.js';
