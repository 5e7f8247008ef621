/**
 * Which proxies in front of the server are believed: a number of hops counted from the server, or
 * the addresses (and CIDR ranges) of the proxies. The one setting decides both the client address
 * a server logs and rate-limits by, and whether the engine rebuilds the URL from forwarded headers,
 * so that a client cannot choose either by sending the headers a proxy would have set.
 */
import ipaddr from 'ipaddr.js';

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

/** The ranges each name stands for (the names proxy-addr and Express's `trust proxy` know). */
const NAMED_RANGES: Readonly<Record<string, readonly string[]>> = {
  loopback: ['127.0.0.1/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/**
 * An address as it is compared: an IPv4-mapped IPv6 address (`::ffff:10.0.0.5`, as a dual-stack
 * socket reports an IPv4 peer) as the IPv4 address it maps, so that it meets the IPv4 ranges and
 * cannot slip past them by its other spelling.
 */
function canonical(address: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  return address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()
    ? (address as ipaddr.IPv6).toIPv4Address()
    : address;
}

/** `10.0.0.0/8`, `10.0.0.0/255.0.0.0`, `::1` or `::ffff:10.0.0.0/104`, as a canonical range. */
function parseRange(entry: string): Range {
  const slash = entry.lastIndexOf('/');
  const text = slash === -1 ? entry : entry.slice(0, slash);
  if (!ipaddr.isValid(text)) throw new TypeError(`trustProxy: not an IP address: ${text}`);
  const address = ipaddr.parse(text);
  const bits = address.kind() === 'ipv6' ? 128 : 32;
  const given = slash === -1 ? String(bits) : entry.slice(slash + 1);
  let prefix = /^\d+$/.test(given) ? Number(given) : Number.NaN;
  if (address.kind() === 'ipv4' && ipaddr.IPv4.isValid(given) && !/^\d+$/.test(given))
    prefix = ipaddr.IPv4.parse(given).prefixLengthFromSubnetMask() ?? Number.NaN;
  if (!(prefix > 0 && prefix <= bits)) throw new TypeError(`trustProxy: not a valid range: ${entry}`);
  const mapped = address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress();
  if (mapped && prefix >= 96) return [(address as ipaddr.IPv6).toIPv4Address(), prefix - 96];
  return [address, prefix];
}

/** Trusts the hops whose address is in `list`, and stops at the first that is not. */
function trustAddresses(list: readonly string[]): ProxyTrust {
  const entries = list.map((entry) => entry.trim()).filter((entry) => entry !== '');
  if (entries.length === 0) throw new TypeError('trustProxy must name at least one address');
  const ranges = entries.flatMap((entry) => NAMED_RANGES[entry] ?? [entry]).map(parseRange);
  return (address) => {
    if (!ipaddr.isValid(address)) return false;
    const candidate = canonical(ipaddr.parse(address));
    return ranges.some(
      ([range, prefix]) => range.kind() === candidate.kind() && candidate.match(range, prefix),
    );
  };
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
