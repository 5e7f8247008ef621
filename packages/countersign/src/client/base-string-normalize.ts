/**
 * The base string a client's base string should have been: its method, URI and parameters read back
 * and put together again by RFC 5849 §3.4.1's rules. Set beside the client's, the first difference
 * is a slip in how the client built it (case, default port, query in the URI, encoding, order);
 * what it cannot show is a difference in the request itself, which only the server's copy shows.
 */
import { baseStringUri, signatureBaseString, splitUrl } from '../core/base-string.js';
import { type Parameter, parseFormEncoded } from '../core/parameters.js';
import { percentDecode } from '../core/percent-encoding.js';

/** Decodes leniently: a `+` in a value is what the client meant by a space, as in a form. */
function decodeLoosely(text: string): string {
  try {
    return percentDecode(text, { plusAsSpace: true });
  } catch {
    return text;
  }
}

/**
 * `client` put together again by the rules, or `undefined` when it is not a base string at all
 * (not three `&`-separated parts, or not an absolute http(s) URI).
 *
 * @example
 * ```ts
 * normalizedBaseString('get&http%3A%2F%2FA.example%3A80%2F%3Fb%3D1&a%3D2');
 * // 'GET&http%3A%2F%2Fa.example%2F&a%3D2%26b%3D1'
 * ```
 */
export function normalizedBaseString(client: string): string | undefined {
  const parts = client.split('&');
  if (parts.length !== 3) return undefined;
  const [method, encodedUri, encodedPairs] = parts as [string, string, string];
  let uri: ReturnType<typeof splitUrl>;
  let pairs: string;
  try {
    uri = splitUrl(percentDecode(encodedUri));
    pairs = percentDecode(encodedPairs);
  } catch {
    return undefined;
  }
  if (!/^https?$/i.test(uri.scheme)) return undefined;
  const parameters: Pick<Parameter, 'name' | 'value'>[] = [];
  for (const pair of [uri.query, pairs]) {
    if (pair === '') continue;
    for (const raw of pair.split('&')) {
      const eq = raw.indexOf('=');
      const name = decodeLoosely(eq < 0 ? raw : raw.slice(0, eq));
      if (name === 'realm' || name === 'oauth_signature') continue;
      parameters.push({ name, value: eq < 0 ? '' : decodeLoosely(raw.slice(eq + 1)) });
    }
  }
  try {
    return signatureBaseString(method, baseStringUri(uri), parameters);
  } catch {
    return undefined;
  }
}

/**
 * The protocol parameters a base string names (`oauth_nonce`, `oauth_timestamp`, …), decoded.
 *
 * @example
 * ```ts
 * baseStringParameters('GET&http%3A%2F%2Fa.example%2F&oauth_nonce%3Dn1%26q%3D1').get('oauth_nonce'); // 'n1'
 * ```
 */
export function baseStringParameters(base: string): Map<string, string> {
  const encoded = base.split('&')[2] ?? '';
  let pairs: string;
  try {
    pairs = percentDecode(encoded);
  } catch {
    return new Map();
  }
  const found = new Map<string, string>();
  for (const { name, value } of parseLoosely(pairs)) if (name.startsWith('oauth_')) found.set(name, value);
  return found;
}

function parseLoosely(pairs: string): Pick<Parameter, 'name' | 'value'>[] {
  try {
    return parseFormEncoded(pairs, 'body');
  } catch {
    return [];
  }
}
