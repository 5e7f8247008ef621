/**
 * Parameter collection, RFC 5849 §3.4.1.3.1: the parameters of a request come from the
 * `Authorization` header, the query component of the request URI, and a single-part
 * `application/x-www-form-urlencoded` entity-body. Each collected parameter keeps its source, so that
 * the provider can refuse protocol parameters that are duplicated or sent in more than one place.
 */
import { MalformedInputError } from './malformed-input.js';
import { decodeComponent } from './percent-encoding.js';

/** Where a parameter was sent. */
export type ParameterSource = 'header' | 'query' | 'body';

/** One decoded request parameter. */
export interface Parameter {
  readonly name: string;
  readonly value: string;
  readonly source: ParameterSource;
}

/** Everything collected from a request. */
export interface CollectedParameters {
  /** All parameters in request order: header first, then query, then body. */
  readonly parameters: readonly Parameter[];
  /** The `realm` of the `Authorization` header, which is not a signed parameter (§3.4.1.3.1). */
  readonly realm?: string;
}

/**
 * Decodes `application/x-www-form-urlencoded` text (a query string or a form body). "+" is a space;
 * empty segments (`a=1&&b=2`) are skipped; a segment without "=" is a name with an empty value.
 * Malformed percent-encoding is a `MalformedInputError`.
 *
 * @example
 * ```ts
 * parseFormEncoded('c2&a3=2+q', 'body');
 * // [{ name: 'c2', value: '', source: 'body' }, { name: 'a3', value: '2 q', source: 'body' }]
 * ```
 */
export function parseFormEncoded(text: string, source: ParameterSource): Parameter[] {
  const parameters: Parameter[] = [];
  appendFormEncoded(parameters, text, source);
  return parameters;
}

/** The protocol parameter names (RFC 5849 §3.1, §2.1, §2.3; the Body Hash extension). */
export const PROTOCOL_PARAMETER_NAMES = [
  'oauth_consumer_key',
  'oauth_token',
  'oauth_signature_method',
  'oauth_signature',
  'oauth_timestamp',
  'oauth_nonce',
  'oauth_version',
  'oauth_callback',
  'oauth_verifier',
  'oauth_body_hash',
] as const;

/** A protocol parameter name. */
type ProtocolParameterName = (typeof PROTOCOL_PARAMETER_NAMES)[number];

const PROTOCOL_NAMES: ReadonlySet<string> = new Set(PROTOCOL_PARAMETER_NAMES);

/**
 * Whether `name` is a protocol parameter name. Cheap for the names collection hands out, which are
 * the literals themselves, with their hashes kept.
 */
export function isProtocolName(name: string): boolean {
  return PROTOCOL_NAMES.has(name);
}

/**
 * `name`, as the literal protocol name it equals, if it equals one. A provider looks protocol
 * parameters up by name a score of times per request, and a lookup then meets the same string,
 * where a freshly decoded copy would be compared character by character every time. A `switch` on
 * literals tells most names apart by their length alone, where a `Map` would hash every fresh name
 * first (about 2,500 instructions per request). The compiler holds the cases to the list: a name
 * missing from them leaves `candidate` a name in `default`, and a case not in the list does not
 * compile.
 */
function protocolName(name: string): string {
  const candidate = name as ProtocolParameterName;
  switch (candidate) {
    case 'oauth_consumer_key':
      return 'oauth_consumer_key';
    case 'oauth_token':
      return 'oauth_token';
    case 'oauth_signature_method':
      return 'oauth_signature_method';
    case 'oauth_signature':
      return 'oauth_signature';
    case 'oauth_timestamp':
      return 'oauth_timestamp';
    case 'oauth_nonce':
      return 'oauth_nonce';
    case 'oauth_version':
      return 'oauth_version';
    case 'oauth_callback':
      return 'oauth_callback';
    case 'oauth_verifier':
      return 'oauth_verifier';
    case 'oauth_body_hash':
      return 'oauth_body_hash';
    default:
      return coveredAll(candidate, name);
  }
}

function coveredAll(_candidate: never, name: string): string {
  return name;
}

function appendFormEncoded(parameters: Parameter[], text: string, source: ParameterSource): void {
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('&', start);
    if (end < 0) end = text.length;
    if (end > start) {
      const eq = text.indexOf('=', start);
      const split = eq >= 0 && eq < end;
      const rawName = text.slice(start, split ? eq : end);
      const rawValue = split ? text.slice(eq + 1, end) : '';
      const name = protocolName(decodeComponent(rawName, true, rawName, rawValue));
      parameters.push({ name, value: decodeComponent(rawValue, true, name, rawValue), source });
    }
    start = end + 1;
  }
}

/** `OAuth` followed by whitespace, or alone (RFC 2617 auth-scheme, case-insensitive). */
const SCHEME = /^oauth(?:[ \t]+|$)/i;
/** One `name="value"` pair (RFC 5849 §3.5.1), with optional whitespace around it; matched in place. */
const PAIR = /[ \t]*([!#$%&'*+\-.^_`|~0-9A-Za-z]+)[ \t]*=[ \t]*"([^"\\]*)"[ \t]*/y;

/** Whether an `Authorization` header value uses the OAuth scheme (other schemes are not ours). */
export function isOAuthAuthorization(header: string): boolean {
  return SCHEME.test(header.trimStart());
}

/**
 * Parses an OAuth `Authorization` header value (RFC 5849 §3.5.1): the `OAuth` scheme, then
 * comma-separated `name="value"` pairs whose names and values are percent-encoded. Optional whitespace
 * is tolerated; anything else that is not this grammar is a `MalformedInputError`.
 * Returns `undefined` when the header uses another scheme.
 *
 * @example
 * ```ts
 * parseAuthorizationHeader('OAuth realm="Example", oauth_nonce="7d8f3e4a"');
 * // { realm: 'Example', parameters: [{ name: 'oauth_nonce', value: '7d8f3e4a', source: 'header' }] }
 * ```
 */
export function parseAuthorizationHeader(header: string): CollectedParameters | undefined {
  const parameters: Parameter[] = [];
  const realm = appendAuthorizationHeader(parameters, header);
  if (realm === false) return undefined;
  return realm === undefined ? { parameters } : { parameters, realm };
}

/** Parses the header into `parameters`; returns its realm, or `false` for another scheme. */
function appendAuthorizationHeader(parameters: Parameter[], header: string): string | undefined | false {
  const trimmed = header.trim();
  const scheme = SCHEME.exec(trimmed);
  if (!scheme) return false;
  let realm: string | undefined;
  let at = scheme[0].length;
  while (at < trimmed.length) {
    PAIR.lastIndex = at;
    const pair = PAIR.exec(trimmed);
    if (!pair) throw malformedHeader(trimmed, at);
    const rawName = pair[1] as string;
    const rawValue = pair[2] as string;
    at = PAIR.lastIndex;
    if (at < trimmed.length) {
      if (trimmed.charCodeAt(at) !== 0x2c) throw malformedHeader(trimmed, at);
      at++;
      // A comma is followed by another pair: the header is trimmed, so a trailing one ends it.
      if (at === trimmed.length) throw malformedHeader(',', 0);
    }
    if (rawName === 'realm') {
      if (realm !== undefined)
        throw new MalformedInputError('realm', rawValue, 'The Authorization header has two realms.');
      realm = rawValue;
      continue;
    }
    const name = protocolName(decodeComponent(rawName, false, rawName, rawValue));
    parameters.push({ name, value: decodeComponent(rawValue, false, name, rawValue), source: 'header' });
  }
  return realm;
}

/** An `oauth_signature` value within header text. */
const SIGNATURE_IN_HEADER = /(oauth_signature[ \t]*=[ \t]*"?)[^",]*/gi;

/**
 * The header from `at` on, as a problem may show it: without any signature value, which with
 * PLAINTEXT is the secrets. Values are found in the whole header, as `at` may fall inside one.
 */
function shownFrom(header: string, at: number): string {
  let shown = '';
  let from = at;
  for (const match of header.matchAll(SIGNATURE_IN_HEADER)) {
    const start = match.index + (match[1] as string).length;
    const end = match.index + match[0].length;
    if (end <= from) continue;
    shown += `${header.slice(from, Math.max(from, start))}[redacted]`;
    from = end;
  }
  return shown + header.slice(from);
}

function malformedHeader(header: string, at: number) {
  const shown = shownFrom(header, at);
  const fragment = shown.length > 60 ? `${shown.slice(0, 60)}…` : shown;
  return new MalformedInputError(
    'Authorization',
    fragment,
    'The Authorization header is malformed: after "OAuth" it must be comma-separated name="value" pairs ' +
      `with percent-encoded names and values (RFC 5849 §3.5.1). It goes wrong at: ${fragment}`,
  );
}

/** The raw parts of a request that carry parameters. */
export interface ParameterSources {
  /** The `Authorization` header value, if any. */
  readonly authorization?: string | undefined;
  /** The query component of the request target, without the "?". */
  readonly query?: string | undefined;
  /** The entity-body, only when it is single-part `application/x-www-form-urlencoded`. */
  readonly formBody?: string | undefined;
}

/**
 * Collects the parameters of a request from all three sources (RFC 5849 §3.4.1.3.1).
 *
 * @example
 * ```ts
 * collectParameters({ query: 'b5=%3D%253D&a3=a', formBody: 'c2&a3=2+q', authorization: 'OAuth realm="Example"' });
 * ```
 */
export function collectParameters(sources: ParameterSources): CollectedParameters {
  const parameters: Parameter[] = [];
  const realm =
    sources.authorization === undefined
      ? false
      : appendAuthorizationHeader(parameters, sources.authorization);
  if (sources.query) appendFormEncoded(parameters, sources.query, 'query');
  if (sources.formBody) appendFormEncoded(parameters, sources.formBody, 'body');
  return realm === false || realm === undefined ? { parameters } : { parameters, realm };
}
