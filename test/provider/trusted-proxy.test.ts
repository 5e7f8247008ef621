/**
 * `compileTrustProxy`: which peers are believed to be the proxies in front, by hop count or by
 * address, with an IPv4 peer reported in its IPv4-mapped IPv6 spelling treated as what it is.
 */
import { describe, expect, it } from 'vitest';
import { compileTrustProxy } from '../../packages/countersign/src/provider/trusted-proxy.js';

describe('compileTrustProxy', () => {
  it('trusts nothing without a setting, and a number of hops whatever their address', () => {
    expect(compileTrustProxy(undefined)).toBeUndefined();
    expect(compileTrustProxy(false)).toBeUndefined();
    const one = compileTrustProxy(true);
    expect([one?.('203.0.113.9', 0), one?.('203.0.113.9', 1)]).toEqual([true, false]);
    const two = compileTrustProxy(2);
    expect([two?.('x', 0), two?.('x', 1), two?.('x', 2)]).toEqual([true, true, false]);
  });

  it('trusts the addresses and ranges listed, in either family', () => {
    const trust = compileTrustProxy('127.0.0.1, 10.0.0.0/8, 192.168.1.0/255.255.255.0, fd00::/8');
    const trusted = (address: string) => trust?.(address, 0);
    expect(trusted('127.0.0.1')).toBe(true);
    expect(trusted('127.0.0.2')).toBe(false);
    expect(trusted('10.200.3.4')).toBe(true);
    expect(trusted('11.0.0.1')).toBe(false);
    expect(trusted('192.168.1.77')).toBe(true);
    expect(trusted('192.168.2.1')).toBe(false);
    expect(trusted('fd12::1')).toBe(true);
    expect(trusted('fe80::1')).toBe(false);
    expect(trusted('not an address')).toBe(false);
    expect(trusted('')).toBe(false);
  });

  it('meets an IPv4-mapped IPv6 peer with the IPv4 ranges, and a mapped range with IPv4 peers', () => {
    const trust = compileTrustProxy(['10.0.0.0/8']);
    expect(trust?.('::ffff:10.0.0.5', 0)).toBe(true);
    expect(trust?.('::ffff:11.0.0.5', 0)).toBe(false);
    const mapped = compileTrustProxy('::ffff:10.0.0.0/104');
    expect(mapped?.('10.1.2.3', 0)).toBe(true);
    expect(mapped?.('::ffff:10.1.2.3', 0)).toBe(true);
    expect(mapped?.('11.1.2.3', 0)).toBe(false);
    // A native IPv6 address never matches an IPv4 range, nor the reverse.
    expect(compileTrustProxy('::/1')?.('10.0.0.1', 0)).toBe(false);
    expect(compileTrustProxy('::/1')?.('::ffff:10.0.0.1', 0)).toBe(false);
  });

  it('knows the names loopback, linklocal and uniquelocal', () => {
    const trust = compileTrustProxy(['loopback', 'uniquelocal']);
    expect(['127.0.0.1', '::1', '172.20.0.1', '192.168.0.9', 'fc00::2'].map((a) => trust?.(a, 3))).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(trust?.('169.254.1.1', 0)).toBe(false);
    expect(compileTrustProxy('linklocal')?.('169.254.1.1', 0)).toBe(true);
  });

  it('refuses with a TypeError what it cannot read', () => {
    for (const bad of ['not-an-address', '10.0.0.0/99', '10.0.0.0/0', '10.0.0.0/255.0.255.0', ' , ', []])
      expect(() => compileTrustProxy(bad), JSON.stringify(bad)).toThrow(TypeError);
    expect(() => compileTrustProxy(0)).toThrow(TypeError);
    expect(() => compileTrustProxy(1.5)).toThrow(TypeError);
  });
});
