/**
 * Why two signature base strings differ, in words: the base string is three parts (RFC 5849
 * §3.4.1.1), so the first part that differs, and how, names the client's bug — a method in lower
 * case, a default port kept, the query left in the URI, a parameter not signed, a space encoded as
 * `+`, parameters out of order. The server's base string is the reference.
 */
import { percentDecode, percentEncode } from '../core/percent-encoding.js';

/** A base string split into its three parts, each decoded once (the pairs are still encoded once). */
interface Parts {
  readonly method: string;
  readonly uri: string;
  readonly pairs: readonly Pair[];
  /** The URI and the parameters as they appear in the base string, encoded. */
  readonly raw: readonly [uri: string, pairs: string];
}

/** A normalized parameter as the base string holds it: encoded name and value. */
interface Pair {
  readonly name: string;
  readonly value: string;
}

function decode(text: string): string | undefined {
  try {
    return percentDecode(text);
  } catch {
    return undefined;
  }
}

/** The parts of a base string, or why it has not the shape of one. */
function split(base: string): Parts | string {
  const parts = base.split('&');
  if (parts.length !== 3)
    return `it has ${parts.length} "&"-separated parts, where a base string has 3: the method, the base string URI and the normalized parameters, the last two percent-encoded so that no "&" is left inside them (RFC 5849 §3.4.1.1)`;
  const [method, encodedUri, encodedPairs] = parts as [string, string, string];
  const uri = decode(encodedUri);
  const pairs = decode(encodedPairs);
  if (uri === undefined || pairs === undefined)
    return 'its URI or parameter part is not valid percent-encoding (each "%" takes two hexadecimal digits)';
  return {
    method,
    uri,
    raw: [encodedUri, encodedPairs],
    pairs:
      pairs === ''
        ? []
        : pairs.split('&').map((pair) => {
            const eq = pair.indexOf('=');
            return eq < 0
              ? { name: pair, value: '' }
              : { name: pair.slice(0, eq), value: pair.slice(eq + 1) };
          }),
  };
}

function explainMethod(server: string, client: string): string {
  if (client.toUpperCase() === server)
    return `the method is ${JSON.stringify(client)}; the base string has it in upper case, ${JSON.stringify(server)} (RFC 5849 §3.4.1.1).`;
  return `your client signed the method ${client}, the request was sent as ${server}: sign the method the request is sent with.`;
}

const URI = /^([^:/?#]*):\/\/([^/?#]*)([^?#]*)(\?[^#]*)?/;
const DEFAULT_PORT: Readonly<Record<string, string>> = { http: ':80', https: ':443' };

function explainUri(server: string, client: string): string {
  if (!client.includes('://') && decode(client)?.includes('://'))
    return 'the base string URI is percent-encoded twice: encode it once, then join it with "&".';
  const s = URI.exec(server);
  const c = URI.exec(client);
  if (!s || !c) return `your client's base string URI, ${JSON.stringify(client)}, is not an absolute URL.`;
  const [, sScheme = '', sHost = '', sPath = ''] = s;
  const [, cScheme = '', cHost = '', cPath = '', cQuery] = c;
  if (cScheme !== sScheme) {
    if (cScheme.toLowerCase() === sScheme)
      return 'the scheme must be in lower case in the base string URI (RFC 5849 §3.4.1.2).';
    return `your client signed an ${cScheme} URL, the server took the request for ${sScheme} (the scheme it was reached by, or its configured public URL): sign the URL the server is published at; if a proxy in front of it changes the scheme, the server must be told its public URL, or to trust the proxy's X-Forwarded-Proto.`;
  }
  if (cHost !== sHost) return explainHost(sScheme, sHost, cHost);
  if (cQuery !== undefined)
    return 'the base string URI leaves out the query: its parameters belong among the normalized parameters (RFC 5849 §3.4.1.2).';
  if (cPath === '' && sPath === '/')
    return 'an empty path is "/" in the base string URI (RFC 5849 §3.4.1.2).';
  if (cPath.replace(/\/$/, '') === sPath.replace(/\/$/, ''))
    return `the path differs by a trailing "/": the server received ${JSON.stringify(sPath)}; sign the path exactly as it is sent.`;
  if (safeDecodeUri(cPath) === safeDecodeUri(sPath))
    return `the path is encoded differently: the server received ${JSON.stringify(sPath)}; the base string keeps the path exactly as it is sent.`;
  return `the path differs: your client signed ${JSON.stringify(cPath)}, the server received ${JSON.stringify(sPath)}.`;
}

function safeDecodeUri(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function explainHost(scheme: string, server: string, client: string): string {
  if (client.toLowerCase() === server)
    return 'the host must be in lower case in the base string URI (RFC 5849 §3.4.1.2).';
  if (client.toLowerCase() === `${server}${DEFAULT_PORT[scheme] ?? ''}`)
    return `the default port ${DEFAULT_PORT[scheme]?.slice(1)} of ${scheme} is left out of the base string URI (RFC 5849 §3.4.1.2).`;
  return `your client signed the host ${JSON.stringify(client)}, the server took the request for ${JSON.stringify(server)} (its Host header, or its configured public URL): sign the URL the server is published at; if a proxy in front of it changes the host or port, the server must be told its public URL, or to trust the proxy's X-Forwarded-Host.`;
}

/** Why one encoded name or value differs from the server's, or `undefined` if they decode differently. */
function explainEncoding(what: string, server: string, client: string): string | undefined {
  const decoded = decode(client);
  if (decoded?.includes('+') && decoded.replaceAll('+', ' ') === decode(server)) {
    // A bare "+" is the client's encoding of a space; "%2B" is a "+" it read as a plus sign.
    if (client.includes('+'))
      return `${what} has a space encoded as "+"; the base string encodes it as "%20" (RFC 5849 §3.6).`;
    return `${what} has a "+" signed as a plus sign, where the server read it as a space: in a query and a form body "+" means a space (application/x-www-form-urlencoded, RFC 5849 §3.4.1.3.1); send "%2B" for a plus sign.`;
  }
  if (decoded === undefined)
    return `${what} is not valid percent-encoding (each "%" takes two hexadecimal digits).`;
  if (decoded !== decode(server)) {
    if (decode(decoded) === decode(server))
      return `${what} is percent-encoded once too often: the server received ${JSON.stringify(decode(server))}.`;
    if (percentEncode(client) === server)
      return `${what} is not percent-encoded: each name and value is encoded before the parameters are joined (RFC 5849 §3.4.1.3.2).`;
    return undefined;
  }
  if (/%[0-9A-F]?[a-f]/.test(client))
    return `${what} has percent-encoding in lower case; its hexadecimal digits are upper case (RFC 5849 §3.6).`;
  if (/%(?:[46][1-9A-F]|[57][0-9A]|3[0-9]|2D|2E|5F|7E)/i.test(client))
    return `${what} percent-encodes an unreserved character (letters, digits, "-", ".", "_", "~"), which stays as it is (RFC 5849 §3.6).`;
  return `${what} leaves a character unencoded that must be encoded: only letters, digits, "-", ".", "_" and "~" stay as they are (RFC 5849 §3.6; JavaScript's encodeURIComponent leaves !'()* unencoded).`;
}

const key = (p: Pair) => `${decode(p.name) ?? p.name}=${decode(p.value) ?? p.value}`;

/** Which parameters one side has and the other lacks, counted with repeats. */
function unmatched(from: readonly Pair[], other: readonly Pair[]): Pair[] {
  const counts = new Map<string, number>();
  for (const p of other) counts.set(key(p), (counts.get(key(p)) ?? 0) + 1);
  return from.filter((p) => {
    const left = counts.get(key(p)) ?? 0;
    counts.set(key(p), left - 1);
    return left <= 0;
  });
}

const EXCLUDED: Readonly<Record<string, string>> = {
  oauth_signature:
    'oauth_signature is left out of the base string: it is what the base string signs (RFC 5849 §3.4.1.3.1).',
  realm: 'realm is left out of the base string (RFC 5849 §3.4.1.3.1).',
};

function explainParameters(server: readonly Pair[], client: readonly Pair[]): string {
  const extra = unmatched(client, server);
  const missing = unmatched(server, client);
  const names = (list: readonly Pair[]) => new Set(list.map((p) => decode(p.name) ?? p.name));
  for (const p of extra) {
    const name = decode(p.name) ?? p.name;
    if (EXCLUDED[name]) return EXCLUDED[name];
  }
  // The same parameter on both sides, its value different: an encoding slip or another request.
  for (const c of extra) {
    const s = missing.find((m) => (decode(m.name) ?? m.name) === (decode(c.name) ?? c.name));
    if (!s) continue;
    const name = decode(s.name) ?? s.name;
    const why = explainEncoding(`the value of ${name}`, s.value, c.value);
    if (why) return why;
    if (name === 'oauth_nonce' || name === 'oauth_timestamp')
      return `${name} differs: these are two different requests. Compare with the base string of the request that was refused.`;
    return `the value of ${name} differs: your client signed ${JSON.stringify(decode(c.value))}, the server received ${JSON.stringify(decode(s.value))}.`;
  }
  const serverNames = names(server);
  const clientNames = names(client);
  const unsigned = missing.find((p) => !clientNames.has(decode(p.name) ?? p.name));
  if (unsigned)
    return `the server received the parameter ${decode(unsigned.name) ?? unsigned.name} (in the query, the form body or the Authorization header), which your client did not sign: every query parameter, and every parameter of a form-encoded body, is signed (RFC 5849 §3.4.1.3.1).`;
  const unsent = extra.find((p) => !serverNames.has(decode(p.name) ?? p.name));
  if (unsent)
    return `your client signed the parameter ${decode(unsent.name) ?? unsent.name}, which the server did not receive: it was not sent, or sent in a body that is not application/x-www-form-urlencoded (whose fields are not parameters).`;
  if (extra.length === 0 && missing.length === 0) {
    for (let i = 0; i < server.length; i++) {
      const s = server[i] as Pair;
      const c = client[i] as Pair;
      if (key(s) !== key(c))
        return 'the parameters are not in order: they are sorted by encoded name, then by encoded value, in byte order (RFC 5849 §3.4.1.3.2).';
      if (s.name === c.name && s.value === c.value) continue;
      const name = decode(s.name) ?? s.name;
      const why =
        s.name === c.name
          ? explainEncoding(`the value of ${name}`, s.value, c.value)
          : explainEncoding(`the name ${name}`, s.name, c.name);
      if (why) return why;
    }
  }
  return 'the parameters differ.';
}

/**
 * Why `client`'s base string differs from `server`'s, as one sentence (starting in lower case, to
 * follow "Why: " or similar); `undefined` when they are the same.
 *
 * @example
 * ```ts
 * explainDifference('GET&http%3A%2F%2Fa.example%2F&', 'get&http%3A%2F%2Fa.example%2F&');
 * // 'the method is "get"; the base string has it in upper case, "GET" (RFC 5849 §3.4.1.1).'
 * ```
 */
export function explainDifference(server: string, client: string): string | undefined {
  if (server === client) return undefined;
  const c = split(client);
  if (typeof c === 'string') return `your client's base string is malformed: ${c}`;
  const s = split(server);
  if (typeof s === 'string') return undefined;
  if (s.method !== c.method) return explainMethod(s.method, c.method);
  if (s.uri !== c.uri) return explainUri(s.uri, c.uri);
  if (s.raw[0] !== c.raw[0])
    return (
      explainEncoding('the base string URI', s.raw[0], c.raw[0]) ??
      'the base string URI is encoded differently.'
    );
  const encodedOnce = (pairs: readonly Pair[]) => pairs.map((p) => `${p.name}=${p.value}`).join('&');
  if (s.raw[1] !== c.raw[1] && encodedOnce(s.pairs) === encodedOnce(c.pairs)) {
    if (encodedOnce(c.pairs) === c.raw[1])
      return 'the normalized parameters are not percent-encoded a second time: in the base string their "=" is %3D and their "&" is %26 (RFC 5849 §3.4.1.1).';
    return (
      explainEncoding('the parameter string', s.raw[1], c.raw[1]) ??
      'the parameter string is encoded differently.'
    );
  }
  return explainParameters(s.pairs, c.pairs);
}
