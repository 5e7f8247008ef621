import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nonceKey } from '../../packages/countersign/src/provider/checks/check-nonce.js';

describe('nonceKey', () => {
  const value = fc.string({ unit: 'binary', maxLength: 80 });

  it('is the timestamp and the same 11 characters for the same combination, however long the nonce', () => {
    fc.assert(
      fc.property(value, value, value, value, (c, t, ts, n) => {
        const key = nonceKey(c, t, ts, n);
        expect(key.startsWith(`${ts}-`)).toBe(true);
        expect(key.slice(ts.length + 1)).toMatch(/^[A-Za-z0-9+/]{11}$/);
        expect(nonceKey(c, t, ts, n)).toBe(key);
      }),
    );
    expect(nonceKey('c', 't', '1790000000', 'n'.repeat(10_000))).toHaveLength(22);
  });

  it('tells apart combinations that differ anywhere, including where one value ends', () => {
    const base = ['a'.repeat(32), 'b'.repeat(32), '1790000000', 'nonce'] as const;
    const variants = [
      base,
      ['a'.repeat(32), 'b'.repeat(32), '1790000001', 'nonce'],
      ['a'.repeat(32), 'b'.repeat(32), '1790000000', 'nonce2'],
      ['a'.repeat(31), `a${'b'.repeat(32)}`, '1790000000', 'nonce'],
      ['a'.repeat(32), '', `${'b'.repeat(32)}1790000000`, 'nonce'],
      ['a'.repeat(32), 'b'.repeat(32), '179000000', '0nonce'],
    ];
    const keys = new Set(variants.map(([c, t, ts, n]) => nonceKey(c, t, ts, n)));
    expect(keys.size).toBe(variants.length);
  });

  it('gives 200,000 distinct nonces 200,000 distinct keys', () => {
    const keys = new Set<string>();
    for (let i = 0; i < 200_000; i++)
      keys.add(nonceKey('k'.repeat(32), 't'.repeat(32), '1790000000', `n${i}`));
    expect(keys.size).toBe(200_000);
  });
});
