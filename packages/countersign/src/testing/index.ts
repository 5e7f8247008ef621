/**
 * `countersign/testing`: the store contract suite, for any store — the library's, the store
 * packages', or one of your own (`runEngineSuite` alone for one that implements only
 * `EngineStore`) — with the fixtures it stores. It runs under vitest, node:test, or
 * any runner with `describe`, `it`, `beforeEach` and `afterEach`.
 */
export { accessTokenFixture, consumerFixture, requestTokenFixture } from './fixtures.js';
export { type EngineSuiteOptions, runEngineSuite } from './engine-suite.js';
export { runNonceSuite } from './nonce-suite.js';
export { runStoreSuite } from './store-suite.js';
export { exchangeWithRightVerifier, type SuiteOptions, type TestFunctions } from './suite-kit.js';
