/**
 * The Redis nonce store: the shared nonce suite, insert-if-absent under concurrency across clients,
 * expiry with the window, and a 503-type error (never an accepted replay, never a hang) when Redis
 * cannot be reached.
 */
import { describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../packages/countersign/src/provider/errors.js';
import { MemoryStore } from '../../packages/countersign/src/stores/memory-store.js';
import { withNonceStore } from '../../packages/countersign/src/provider/store.js';
import { connectRedis, RedisNonceStore } from '../../packages/redis/src/redis-nonce-store.js';
import { hasRedis, REDIS_URL, redisPrefix } from '../support/services.js';
import { runNonceSuite } from './store-suite.js';

describe.skipIf(!hasRedis)('redis nonce store', () => {
  runNonceSuite(
    'redis',
    () => Promise.resolve(new RedisNonceStore(REDIS_URL, { prefix: redisPrefix() })),
    undefined,
    // Redis expires keys by its own clock.
    { expiresByGivenClock: false },
  );

  it('records a nonce once, atomically, across clients', async () => {
    const prefix = redisPrefix();
    const clients = [new RedisNonceStore(REDIS_URL, { prefix }), new RedisNonceStore(REDIS_URL, { prefix })];
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        (clients[i % 2] as RedisNonceStore).recordNonce('same', 1000, 61_000),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await clients[0]?.recordNonce('other', 1000, 61_000)).toBe(true);
    await Promise.all(clients.map((c) => c.close()));
  });

  it('forgets a nonce when its time is up', async () => {
    const store = new RedisNonceStore(REDIS_URL, { prefix: redisPrefix(), clockSkewMs: 0 });
    expect(await store.recordNonce('n', 0, 150)).toBe(true);
    expect(await store.recordNonce('n', 0, 150)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await store.recordNonce('n', 0, 150)).toBe(true);
    await store.close();
  });

  it('keeps a nonce for the clock skew allowed beyond its expiry, for an instance whose clock is behind', async () => {
    const prefix = redisPrefix();
    // The instance that records it has a clock 200 ms ahead of the other's.
    const ahead = new RedisNonceStore(REDIS_URL, { prefix, clockSkewMs: 400 });
    const behind = new RedisNonceStore(REDIS_URL, { prefix, clockSkewMs: 400 });
    expect(await ahead.recordNonce('n', 200, 300)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 250));
    // By the slow clock it is 250 ms now: the timestamp is still accepted, so the nonce must be held.
    expect(await behind.recordNonce('n', 250, 300)).toBe(false);
    await Promise.all([ahead.close(), behind.close()]);
  });

  it('lets the commands that arrive while it connects share one wait for the connection', async () => {
    const redis = connectRedis(REDIS_URL);
    const store = new RedisNonceStore(redis, { prefix: redisPrefix() });
    const before = redis.listenerCount('ready');
    const pending = Array.from({ length: 100 }, (_, i) => store.recordNonce(`n${i}`, 0, 60_000));
    // One listener for all of them (a hundred made Node warn of a listener leak).
    expect(redis.listenerCount('ready') - before).toBeLessThanOrEqual(1);
    expect((await Promise.all(pending)).every(Boolean)).toBe(true);
    await store.close();
    redis.disconnect();
  });

  it('routes only nonces to Redis when composed with another store', async () => {
    const main = new MemoryStore();
    const store = withNonceStore(main, new RedisNonceStore(REDIS_URL, { prefix: redisPrefix() }));
    expect(await store.recordNonce('x', 0, 60_000)).toBe(true);
    expect(main.recordNonce('x', 0, 60_000)).toBe(true);
    await store.putUser({ name: 'bob', status: 'active', createdAt: 1 });
    expect(main.getUser('bob')).toBeDefined();
    await store.close();
  });
});

describe('redis nonce store without Redis', () => {
  it('fails fast with StoreUnavailableError', async () => {
    const store = new RedisNonceStore('redis://127.0.0.1:1', { prefix: redisPrefix() });
    const started = Date.now();
    await expect(store.recordNonce('n', 0, 1000)).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(Date.now() - started).toBeLessThan(3000);
    await store.close();
  });
});
