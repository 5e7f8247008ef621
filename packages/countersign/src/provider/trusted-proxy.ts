/**
 * Which proxies in front of the server are believed: a number of hops counted from the server, or
 * the addresses (and CIDR ranges) of the proxies. The one setting decides both the client address
 * a server logs and rate-limits by, and whether the engine rebuilds the URL from forwarded headers,
 * so that a client cannot choose either by sending the headers a proxy would have set.
 */
import proxyAddr from '@fastify/proxy-addr';

/**
 * Whether the address at `hop` is a trusted proxy: hop 0 is the direct peer, hop 1 the last
 * `X-Forwarded-For` entry, and so on leftwards (the shape of Fastify's `trustProxy` function).
 */
export type ProxyTrust = (address: string, hop: number) => boolean;

/**
 * What `trustProxy` takes: `true` for one hop (the proxy directly in front); a number of hops; a
 * proxy address or CIDR range, or a list of them (also `loopback`, `linklocal`, `uniquelocal`), or
 * a comma-separated string of them; or a function deciding per hop.
 */
export type TrustProxy = boolean | number | string | readonly string[] | ProxyTrust;

/** Trusts the first `hops` hops, whatever their address. */
function trustHops(hops: number): ProxyTrust {
  if (!Number.isInteger(hops) || hops <= 0)
    throw new TypeError('trustProxy must be a positive whole number of hops');
  return (_address, hop) => hop < hops;
}

/** Trusts the hops whose address is in `list`, and stops at the first that is not. */
function trustAddresses(list: readonly string[]): ProxyTrust {
  const addresses = list.map((entry) => entry.trim()).filter((entry) => entry !== '');
  if (addresses.length === 0) throw new TypeError('trustProxy must name at least one address');
  // proxy-addr throws a TypeError naming the entry it cannot read.
  return proxyAddr.compile(addresses);
}

/**
 * The trust function for a `trustProxy` setting, or `undefined` when no proxy is trusted; throws
 * `TypeError` on a setting it cannot read.
 *
 * @example
 * ```ts
 * const trust = compileTrustProxy('127.0.0.1, 10.0.0.0/8');
 * trust?.('10.0.0.5', 0); // true: the peer is one of the proxies
 * ```
 */
export function compileTrustProxy(value: TrustProxy | undefined): ProxyTrust | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return trustHops(1);
  if (typeof value === 'number') return trustHops(value);
  if (typeof value === 'function') return value;
  return trustAddresses(typeof value === 'string' ? value.split(',') : value);
}
