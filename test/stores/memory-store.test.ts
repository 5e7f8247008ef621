/** The memory store runs the shared suite, and keeps nonce memory bounded by the window. */
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../packages/countersign/src/stores/memory-store.js';
import { runStoreSuite } from './store-suite.js';

runStoreSuite('memory', () => Promise.resolve(new MemoryStore()));

describe('memory store nonces', () => {
  it('forgets nonces once they expire, so memory is bounded by the window', () => {
    const store = new MemoryStore();
    const window = 300_000;
    for (let second = 0; second < 3000; second++) {
      const now = second * 1000;
      for (let i = 0; i < 10; i++) store.recordNonce(`${second}-${i}`, now, now + window);
    }
    // 10 per second for a 300 s window: at most the last 300 seconds' worth are held.
    expect(store.nonceCount).toBeLessThanOrEqual(10 * 301);
    expect(store.nonceCount).toBeGreaterThanOrEqual(10 * 299);
  });
});
