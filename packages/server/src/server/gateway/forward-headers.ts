/**
 * The headers the gateway sends the upstream, and those it passes back to the client.
 *
 * Both ways, hop-by-hop headers (RFC 9110 §7.6.1: `Connection` and every header it names,
 * `Keep-Alive`, `Proxy-*`, `TE`, `Trailer`, `Transfer-Encoding`, `Upgrade`) belong to one
 * connection and are dropped. Towards the upstream the gateway also drops `Authorization` (its
 * work is done), `Expect` (the body has already been read), the server's own cookies, and every
 * header named like an identity header in any case and with `_` for `-` (PHP, CGI and WSGI read
 * `X_OAuth_User` as `X-OAuth-User`); it then adds the identity of the verified request.
 * `X-Forwarded-For` gets the client's address appended, and `X-Forwarded-Proto` and `-Host` say
 * what the client used; what a client sent in those headers is kept only when it came through a
 * trusted proxy (`--trust-proxy…`), and otherwise replaced, like `Forwarded` and `X-Real-IP`.
 * `Host` is passed as the client sent it.
 */
import type { ProxyTrust, VerifiedRequest } from 'countersign';

/** The identity of a verified request, as the upstream reads it. */
export interface Identity {
  readonly consumerKey: string;
  /** The user who granted the token; none for a two-legged request. */
  readonly user?: string | undefined;
  readonly scopes: readonly string[];
  readonly twoLegged: boolean;
}

/** What a verified request tells the upstream. */
export function identityOf(verified: VerifiedRequest): Identity {
  const { consumer, user, scopes, twoLegged } = verified;
  return { consumerKey: consumer.key, user, scopes, twoLegged };
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/** Headers never forwarded to the upstream, besides the hop-by-hop ones. */
const NOT_FORWARDED = new Set([
  'authorization',
  'expect',
  'content-length',
  'x-oauth-consumer-key',
  'x-oauth-user',
  'x-oauth-scopes',
  'x-oauth-two-legged',
]);

/** Headers that say where a request came from: believed only from a trusted proxy. */
const FORWARDED = new Set(['forwarded', 'x-real-ip']);

/** The cookies of the server's own pages (the session and the CSRF secret), never the upstream's. */
const OWN_COOKIES = new Set(['cs_session', '_csrf']);

const NO_TOKENS: ReadonlySet<string> = new Set();

/** The names a `Connection` header's value lists, lower-cased. */
function connectionTokens(value: string | undefined): ReadonlySet<string> {
  if (value === undefined) return NO_TOKENS;
  const tokens = new Set<string>();
  for (const token of value.split(',')) tokens.add(token.trim().toLowerCase());
  return tokens;
}

/** A `Cookie` header without the server's own cookies; empty when nothing else is left. */
function withoutOwnCookies(value: string): string {
  if (!value.includes('cs_session') && !value.includes('_csrf')) return value;
  return value
    .split(';')
    .filter((pair) => !OWN_COOKIES.has(pair.slice(0, pair.indexOf('=')).trim()))
    .join(';')
    .trim();
}

/** What the request to the upstream is built from besides the client's own headers. */
export interface ForwardContext {
  /** The client's address (the direct peer). */
  readonly peer: string;
  /** Whether the direct peer is a trusted proxy, whose forwarded headers are kept. */
  readonly trusted: boolean;
  /** `http` or `https`: this server's own connection. */
  readonly scheme: string;
  /** The client's `Connection` header as Node reads it (repeated ones joined), if any. */
  readonly connection?: string | undefined;
  readonly identity?: Identity | undefined;
  readonly bodyLength?: number | undefined;
}

/** Whether a connection's peer is a trusted proxy. */
export type PeerTrust = (socket: { readonly remoteAddress?: string | undefined }) => boolean;

/**
 * Whether the direct peer of a connection is a trusted proxy, decided once per connection (its
 * peer never changes; keep-alive connections carry many requests).
 */
export function peerTrust(trust: ProxyTrust | undefined): PeerTrust {
  if (!trust) return () => false;
  const known = new WeakMap<object, boolean>();
  return (socket) => {
    let trusted = known.get(socket);
    if (trusted === undefined) {
      trusted = trust(socket.remoteAddress ?? '', 0);
      known.set(socket, trusted);
    }
    return trusted;
  };
}

/**
 * The upstream request's headers, as a flat `[name, value, …]` list, from the client's raw
 * headers (names as the client wrote them).
 */
export function upstreamHeaders(raw: readonly string[], context: ForwardContext): string[] {
  const hop = connectionTokens(context.connection);
  const out: string[] = [];
  let host: string | undefined;
  let forwardedFor: string | undefined;
  let forwardedProto: string | undefined;
  let forwardedHost: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    let value = raw[i + 1] as string;
    const lower = name.toLowerCase();
    // `X_Forwarded_For` is `X-Forwarded-For` to a CGI or WSGI upstream: judged as that, and
    // never passed on under its own name where the header it stands for is one the gateway sets.
    const key = lower.includes('_') ? lower.replaceAll('_', '-') : lower;
    if (key === 'host') {
      if (key === lower) host ??= value;
      continue;
    }
    if (HOP_BY_HOP.has(key) || hop.has(key) || key.startsWith('proxy-') || NOT_FORWARDED.has(key)) continue;
    if (key.startsWith('x-forwarded-') || FORWARDED.has(key)) {
      if (!context.trusted || key !== lower) continue;
      // Repeated headers are one list (RFC 9110 §5.3), in the order they came.
      if (lower === 'x-forwarded-for')
        forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`;
      else if (lower === 'x-forwarded-proto') forwardedProto = value;
      else if (lower === 'x-forwarded-host') forwardedHost = value;
      else out.push(name, value);
      continue;
    }
    if (lower === 'cookie') {
      value = withoutOwnCookies(value);
      if (value === '') continue;
    }
    out.push(name, value);
  }
  const lastOf = (value: string) => value.slice(value.lastIndexOf(',') + 1).trim();
  if (host !== undefined) out.push('host', host);
  if (context.bodyLength !== undefined) out.push('content-length', String(context.bodyLength));
  out.push('x-forwarded-for', forwardedFor === undefined ? context.peer : `${forwardedFor}, ${context.peer}`);
  out.push('x-forwarded-proto', forwardedProto === undefined ? context.scheme : lastOf(forwardedProto));
  const publicHost = forwardedHost === undefined ? host : lastOf(forwardedHost);
  if (publicHost !== undefined) out.push('x-forwarded-host', publicHost);
  const { identity } = context;
  if (identity) {
    out.push('x-oauth-consumer-key', identity.consumerKey);
    if (identity.user !== undefined) out.push('x-oauth-user', identity.user);
    out.push('x-oauth-scopes', identity.scopes.join(','), 'x-oauth-two-legged', String(identity.twoLegged));
  }
  return out;
}

/**
 * The upstream response's headers to pass back, as a flat list, from its header fields (read as
 * Latin-1, so that every byte is passed on unchanged).
 */
export function clientHeaders(raw: readonly string[]): string[] {
  const out: string[] = [];
  let connection: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const value = raw[i + 1] as string;
    const lower = name.toLowerCase();
    if (lower === 'connection') connection = connection === undefined ? value : `${connection},${value}`;
    if (HOP_BY_HOP.has(lower) || lower.startsWith('proxy-')) continue;
    out.push(name, value);
  }
  if (connection === undefined) return out;
  // Headers the `Connection` header names are this hop's too, wherever they came.
  // Most name only `keep-alive`, dropped already: then `out` stands as it is.
  const hop = connectionTokens(connection);
  for (const token of hop) if (!HOP_BY_HOP.has(token)) return withoutNamed(out, hop);
  return out;
}

/** A flat header list without the headers `names` names (lower-cased). */
function withoutNamed(headers: readonly string[], names: ReadonlySet<string>): string[] {
  const kept: string[] = [];
  for (let i = 0; i < headers.length; i += 2)
    if (!names.has((headers[i] as string).toLowerCase()))
      kept.push(headers[i] as string, headers[i + 1] as string);
  return kept;
}
