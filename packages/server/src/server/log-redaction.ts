/**
 * What a log line may say of a request URL: the path and query as sent, except the values of
 * secret-bearing query parameters. Names are matched after percent-decoding them (and `+`), and
 * case-insensitively: a client that writes `oauth%5Fsignature` or `OAuth_Signature` sends the same
 * secret (with PLAINTEXT, the consumer secret itself), whatever the server makes of the name.
 */

import { SECRET_NAME } from 'countersign';

/** How many times a name is decoded: a double-encoded name (`oauth%255Fsignature`) is still caught. */
const DECODE_ROUNDS = 3;

/** Decodes `+` and every well-formed `%XX` byte as one character; never throws on a malformed escape. */
function looseDecode(text: string): string {
  return text
    .replace(/\+/g, ' ')
    .replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function isSecretName(rawName: string): boolean {
  let name = rawName;
  for (let round = 0; round < DECODE_ROUNDS; round++) {
    if (SECRET_NAME.test(name)) return true;
    const decoded = looseDecode(name);
    if (decoded === name) return false;
    name = decoded;
  }
  return SECRET_NAME.test(name);
}

/**
 * Masks secret-bearing query values in a request URL before it is logged; everything else is kept
 * byte for byte, so the line still shows what was asked.
 *
 * @example
 * ```ts
 * maskUrl('/api/v1/me?oauth%5Fsignature=s3cret&oauth_token=t');
 * // '/api/v1/me?oauth%5Fsignature=[redacted]&oauth_token=t'
 * ```
 */
export function maskUrl(url: string): string {
  const start = url.indexOf('?');
  if (start === -1) return url;
  const pairs = url.slice(start + 1).split('&');
  const masked = pairs.map((pair) => {
    const equals = pair.indexOf('=');
    const name = equals === -1 ? pair : pair.slice(0, equals);
    return isSecretName(name) ? `${name}=[redacted]` : pair;
  });
  return `${url.slice(0, start + 1)}${masked.join('&')}`;
}
