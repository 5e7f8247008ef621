/**
 * Serializing the OAuth `Authorization` header, RFC 5849 §3.5.1: "Parameter names and values are
 * encoded per Parameter Encoding … separated by a "," character … wrapped in double quotes".
 */
import { percentEncode } from './percent-encoding.js';

/**
 * Builds an `Authorization` header value from protocol parameters, with an optional realm (which is
 * quoted but, being an RFC 2617 quoted-string, not percent-encoded).
 *
 * @example
 * ```ts
 * authorizationHeader([['oauth_consumer_key', 'key'], ['oauth_nonce', 'a b']], 'Example');
 * // 'OAuth realm="Example", oauth_consumer_key="key", oauth_nonce="a%20b"'
 * ```
 */
export function authorizationHeader(parameters: Iterable<readonly [string, string]>, realm?: string): string {
  const pairs: string[] = [];
  if (realm !== undefined) pairs.push(`realm="${quoteRealm(realm)}"`);
  for (const [name, value] of parameters) pairs.push(`${percentEncode(name)}="${percentEncode(value)}"`);
  return `OAuth ${pairs.join(', ')}`;
}

/** Escapes a realm for an RFC 2617 quoted-string. */
export function quoteRealm(realm: string): string {
  return realm.replace(/["\\]/g, '\\$&');
}
