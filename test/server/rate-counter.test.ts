/**
 * The fixed-window counters, in memory and in Redis, on an injected clock: hits count up within a
 * window and start again in the next, per key; two Redis counters with one prefix share counts.
 */
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import {
  MemoryRateCounter,
  type RateCounter,
  RedisRateCounter,
} from '../../packages/server/src/server/rate-counter.js';
import { hasRedis, REDIS_URL, redisPrefix } from '../support/services.js';

function suite(make: (clock: () => number) => RateCounter) {
  it('counts hits per key within a window, and starts again in the next', async () => {
    let now = 60_000 * 1000;
    const counter = make(() => now);
    expect(await counter.hit('a')).toBe(1);
    expect(await counter.hit('a')).toBe(2);
    expect(await counter.hit('b')).toBe(1);
    now += 59_999;
    expect(await counter.hit('a')).toBe(3);
    now += 1;
    expect(await counter.hit('a')).toBe(1);
    expect(await counter.hit('b')).toBe(1);
  });
}

describe('MemoryRateCounter', () => {
  suite((clock) => new MemoryRateCounter({ windowMs: 60_000, clock }));
});

describe.skipIf(!hasRedis)('RedisRateCounter', () => {
  const redis = hasRedis ? new Redis(REDIS_URL) : undefined;
  const prefixes: string[] = [];
  afterAll(async () => {
    if (!redis) return;
    for (const prefix of prefixes) {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
    }
    redis.disconnect();
  });
  const make = (clock: () => number, prefix = redisPrefix()) => {
    prefixes.push(prefix);
    return new RedisRateCounter(redis as Redis, { windowMs: 60_000, clock, prefix });
  };

  suite((clock) => make(clock));

  it('shares the count between counters with one prefix, and expires its keys', async () => {
    const prefix = redisPrefix();
    const clock = () => 5 * 60_000;
    const [one, two] = [make(clock, prefix), make(clock, prefix)];
    expect(await one.hit('k')).toBe(1);
    expect(await two.hit('k')).toBe(2);
    const [key] = await (redis as Redis).keys(`${prefix}*`);
    expect(await (redis as Redis).pttl(key ?? '')).toBeGreaterThan(0);
  });
});
