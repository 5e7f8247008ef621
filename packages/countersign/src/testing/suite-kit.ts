/**
 * What the store suites share: the test runner's functions they take, their options, a fresh store
 * per test, and comparisons that take a property left `undefined` as absent (a row read back has it
 * absent).
 */
import assert from 'node:assert/strict';
import type { AccessToken } from '../provider/model.js';
import type { EngineStore, Redemption } from '../provider/store.js';

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
  /**
   * Runs after each test, once the store is closed (drop its tables, say).
   *
   * @defaultValue `undefined`
   */
  readonly cleanup?: (() => void | Promise<void>) | undefined;
  /** The test runner's `describe`, `it`, `beforeEach` and `afterEach` (vitest's, node:test's, …). */
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
export function same(actual: unknown, expected: unknown, message?: string): void {
  assert.deepEqual(defined(actual), defined(expected), message);
}

/** `actual` has every property of `expected` with its value (`undefined` meaning absent). */
export function includes(actual: unknown, expected: Record<string, unknown>): void {
  assert.ok(actual !== null && typeof actual === 'object', 'expected a record');
  const record = actual as Record<string, unknown>;
  for (const [key, value] of Object.entries(expected)) same(record[key], value, `property ${key}`);
}

/** Declares `body` for each test, on a store from `open` closed after it. */
export function withStore<S>(options: SuiteOptions<S>, title: string, body: (store: () => S) => void): void {
  const { describe, beforeEach, afterEach } = options.test;
  describe(`${options.name} ${title}`, () => {
    let store: S | undefined;
    beforeEach(async () => {
      store = await options.open();
    });
    afterEach(async () => {
      // A store written for the engine alone may have nothing to close.
      const { close } = (store ?? {}) as { close?: unknown };
      if (typeof close === 'function') await (close as () => Promise<void>).call(store);
      await options.cleanup?.();
    });
    body(() => store as S);
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
  store: Pick<EngineStore, 'redeemRequestToken'>,
  requestToken: string,
  accessToken: AccessToken,
): Promise<Redemption> {
  return store.redeemRequestToken(requestToken, { matches: () => true, limit: 5, accessToken });
}
