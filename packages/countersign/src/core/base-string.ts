/**
 * The signature base string, RFC 5849 §3.4.1: the HTTP method, the base string URI and the
 * normalized request parameters, each percent-encoded and joined by "&".
 */
import { MalformedInputError } from './malformed-input.js';
import { isProtocolName, type Parameter } from './parameters.js';
import { percentEncode } from './percent-encoding.js';

/** The parts of a request URI the base string URI is built from. */
export interface RequestUri {
  /** `http` or `https` (any case). */
  readonly scheme: string;
  /** The `Host` as sent: host name or IP literal, optionally with `:port`. */
  readonly host: string;
  /** The path of the request target as sent (no query); empty means "/". */
  readonly path: string;
}

const DEFAULT_PORTS: Readonly<Record<string, string>> = { http: '80', https: '443' };
const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]/?#@\s]+)(?::(\d*))?$/;

/**
 * Builds the base string URI, RFC 5849 §3.4.1.2: "The scheme and host MUST be in lowercase. The host
 * and port values MUST match the content of the HTTP request Host header field. The port MUST be
 * included if it is not the default port for the scheme, and MUST be excluded if it is the default."
 * The path is kept exactly as sent.
 *
 * @example
 * ```ts
 * baseStringUri({ scheme: 'http', host: 'EXAMPLE.COM:80', path: '/r%20v/X' }); // 'http://example.com/r%20v/X'
 * ```
 */
export function baseStringUri(uri: RequestUri): string {
  const scheme = uri.scheme.toLowerCase();
  const hostPort = HOST_PORT.exec(uri.host);
  if (!hostPort)
    throw new MalformedInputError('Host', uri.host, 'The Host header is not a valid host[:port].');
  const host = (hostPort[1] as string).toLowerCase();
  const port = hostPort[2];
  const withPort =
    port === undefined || port === '' || port === DEFAULT_PORTS[scheme] ? host : `${host}:${port}`;
  return `${scheme}://${withPort}${uri.path === '' ? '/' : uri.path}`;
}

/** `scheme://authority` and the rest of an absolute URL, split without normalizing anything. */
const ABSOLUTE_URL = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(?:[^@/?#]*@)?([^/?#]*)([^?#]*)(?:\?([^#]*))?/;

/**
 * Splits an absolute URL into the parts the base string needs, keeping the path and query exactly
 * as written (unlike `new URL`, which re-encodes and resolves dot segments).
 *
 * @example
 * ```ts
 * splitUrl('https://Photos.example.net:443/photos?size=original');
 * // { scheme: 'https', host: 'Photos.example.net:443', path: '/photos', query: 'size=original' }
 * ```
 */
export function splitUrl(url: string): RequestUri & { readonly query: string } {
  const match = ABSOLUTE_URL.exec(url);
  if (!match) throw new MalformedInputError('url', url, 'Not an absolute URL.');
  return {
    scheme: match[1] as string,
    host: match[2] as string,
    path: match[3] as string,
    query: match[4] ?? '',
  };
}

/**
 * Normalizes parameters, RFC 5849 §3.4.1.3.2: names and values are percent-encoded, sorted by name
 * and then by value (ascending byte order), each pair joined with "=" and the pairs with "&".
 * `oauth_signature` is excluded ("The "oauth_signature" parameter MUST be excluded").
 *
 * @example
 * ```ts
 * normalizeParameters([{ name: 'a', value: 'x y', source: 'query' }]); // 'a=x%20y'
 * ```
 */
export function normalizeParameters(parameters: readonly Pick<Parameter, 'name' | 'value'>[]): string {
  return joinPairs(encodedPairs(parameters, percentEncode), '=', '&');
}

/** One normalized parameter: its encoded name and encoded value. */
interface EncodedPair {
  readonly name: string;
  readonly value: string;
}

/**
 * The (name, value) pairs of the normalized parameters, each encoded with `encode`, in order.
 * Sorting the pairs encoded twice gives the order of the pairs encoded once: the second encoding
 * only turns each "%" into "%25", and "%" sorts the same against any other character either way.
 */
function encodedPairs(
  parameters: readonly Pick<Parameter, 'name' | 'value'>[],
  encode: (text: string) => string,
): EncodedPair[] {
  const encoded: EncodedPair[] = [];
  for (const { name, value } of parameters) {
    // A protocol name is unreserved characters only, the same encoded once or twice.
    if (name !== 'oauth_signature')
      encoded.push({ name: isProtocolName(name) ? name : encode(name), value: encode(value) });
  }
  return sortPairs(encoded);
}

/** Up to this many pairs are sorted by insertion; more by `Array.prototype.sort` (n log n). */
const INSERTION_SORT_MAX = 16;

/**
 * Sorts the pairs in place, stably. A request has a handful of parameters, which an insertion sort
 * orders with fewer steps than the built-in sort's setup takes; a long query still gets n log n.
 */
function sortPairs(pairs: EncodedPair[]): EncodedPair[] {
  if (pairs.length > INSERTION_SORT_MAX) return pairs.sort(byNameThenValue);
  for (let i = 1; i < pairs.length; i++) {
    const pair = pairs[i] as EncodedPair;
    let j = i - 1;
    for (; j >= 0 && byNameThenValue(pairs[j] as EncodedPair, pair) > 0; j--) {
      pairs[j + 1] = pairs[j] as EncodedPair;
    }
    pairs[j + 1] = pair;
  }
  return pairs;
}

function byNameThenValue(a: EncodedPair, b: EncodedPair): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}

function joinPairs(pairs: readonly EncodedPair[], equals: string, and: string): string {
  let joined = '';
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i] as EncodedPair;
    joined += `${i === 0 ? '' : and}${pair.name}${equals}${pair.value}`;
  }
  return joined;
}

/**
 * Percent-encodes text twice, as the base string holds each name and value; the second time only
 * its "%" signs change. Text that needs no encoding comes back as it is, both times.
 */
function encodeTwice(text: string): string {
  const once = percentEncode(text);
  return once === text ? once : once.replaceAll('%', '%25');
}

/**
 * The signature base string, RFC 5849 §3.4.1.1: method (upper-case), "&", the encoded base string
 * URI, "&", the encoded normalized parameters.
 *
 * @example
 * ```ts
 * signatureBaseString('GET', 'http://example.com/', [{ name: 'n', value: 'v', source: 'query' }]);
 * // 'GET&http%3A%2F%2Fexample.com%2F&n%3Dv'
 * ```
 */
export function signatureBaseString(
  method: string,
  baseUri: string,
  parameters: readonly Pick<Parameter, 'name' | 'value'>[],
): string {
  // The normalized parameters are encoded a second time ("=" → %3D, "&" → %26, "%" → %25).
  const encodedParameters = joinPairs(encodedPairs(parameters, encodeTwice), '%3D', '%26');
  return `${percentEncode(method.toUpperCase())}&${encodedBaseUri(baseUri)}&${encodedParameters}`;
}

/** The last base string URI encoded, and its encoding: a server's requests go to a few URIs. */
let lastBaseUri = '';
let lastEncodedBaseUri = '';

function encodedBaseUri(baseUri: string): string {
  if (baseUri !== lastBaseUri) {
    lastEncodedBaseUri = percentEncode(baseUri);
    lastBaseUri = baseUri;
  }
  return lastEncodedBaseUri;
}
