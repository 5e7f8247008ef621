/**
 * The framework-neutral request the engine reads, and how its public URL is rebuilt: from the
 * configured `publicUrl`, from the headers of a trusted proxy, or from the connection and `Host` header.
 * A wrong URL here is the commonest cause of `signature_invalid` in the field.
 */
import { type RequestUri, splitUrl } from '../core/base-string.js';
import { rejectParameter } from '../problems/oauth-problem.js';
import type { ProviderConfig } from './options.js';

/** Header values as Node gives them: lower-case names, repeated headers as arrays. */
export type Headers = Readonly<Record<string, string | readonly string[] | undefined>>;

/** One HTTP request, as every adapter hands it to the engine. */
export interface OAuthRequest {
  readonly method: string;
  /** The request target as sent: `/path?query` (or an absolute URL). */
  readonly target: string;
  readonly headers: Headers;
  /** Whether this server's own connection is TLS (never what a proxy header says). */
  readonly secure: boolean;
  /**
   * The direct peer's address, when the adapter knows it: forwarded headers are believed only
   * when it is a trusted proxy (with `trustProxy` a number of hops, whatever it is).
   */
  readonly remoteAddress?: string | undefined;
  /** The raw entity-body, if any. */
  readonly body?: string | Uint8Array | undefined;
}

/** One header's value; a header sent twice where once is meant is a `parameter_rejected` problem. */
export function singleHeader(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  if (value === undefined || typeof value === 'string') return value;
  if (value.length === 1) return value[0];
  throw rejectParameter(name, value.join(', '), `The ${name} header must be sent once.`);
}

/**
 * The last element of a comma-separated proxy header: the one the nearest proxy added. Elements
 * to its left came from further away, perhaps from the client itself.
 */
function lastOf(value: string | undefined): string | undefined {
  const last = value?.slice(value.lastIndexOf(',') + 1).trim();
  return last === '' ? undefined : last;
}

/** Reads `proto` and `host` from the last element of an RFC 7239 `Forwarded` header. */
function parseForwarded(value: string | undefined): { scheme?: string; host?: string } {
  const last = lastOf(value);
  if (last === undefined) return {};
  const out: { scheme?: string; host?: string } = {};
  for (const pair of last.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0) continue;
    const key = pair.slice(0, eq).trim().toLowerCase();
    const raw = pair.slice(eq + 1).trim();
    const unquoted = raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
    if (key === 'proto') out.scheme = unquoted;
    if (key === 'host') out.host = unquoted;
  }
  return out;
}

/** Reads `X-Forwarded-Proto`, `-Host` and `-Port` (the port only when the host has none). */
function parseXForwarded(headers: Headers): { scheme?: string; host?: string } {
  const scheme = lastOf(singleHeader(headers, 'x-forwarded-proto'));
  let host = lastOf(singleHeader(headers, 'x-forwarded-host'));
  const port = lastOf(singleHeader(headers, 'x-forwarded-port'));
  if (host !== undefined && port !== undefined && !/:\d+$/.test(host)) host = `${host}:${port}`;
  return { ...(scheme === undefined ? {} : { scheme }), ...(host === undefined ? {} : { host }) };
}

/** What a trusted proxy says of the URL the client used; nothing when the peer is not one. */
function proxiedOrigin(request: OAuthRequest, config: ProviderConfig): { scheme?: string; host?: string } {
  if (!config.trustProxy?.(request.remoteAddress ?? '', 0)) return {};
  return config.proxyHeaders === 'forwarded'
    ? parseForwarded(singleHeader(request.headers, 'forwarded'))
    : parseXForwarded(request.headers);
}

/**
 * The URI the client signed: scheme, host (with port) and path for the base string URI, and the
 * raw query for parameter collection.
 */
export function requestUri(
  request: OAuthRequest,
  config: ProviderConfig,
): RequestUri & { readonly query: string } {
  const target = /^https?:\/\//i.test(request.target) ? splitUrl(request.target) : undefined;
  const pathAndQuery = target ? `${target.path}?${target.query}` : request.target;
  const q = pathAndQuery.indexOf('?');
  const path = q < 0 ? pathAndQuery : pathAndQuery.slice(0, q);
  const query = q < 0 ? '' : pathAndQuery.slice(q + 1);
  if (config.publicUrl) {
    return {
      scheme: config.publicUrl.scheme,
      host: config.publicUrl.host,
      path: config.publicUrl.pathPrefix + path,
      query,
    };
  }
  const proxied = proxiedOrigin(request, config);
  const scheme = proxied.scheme ?? (request.secure ? 'https' : 'http');
  const host = proxied.host ?? target?.host ?? singleHeader(request.headers, 'host');
  if (host === undefined || host === '') {
    throw rejectParameter('Host', '', 'The request has no Host header, so its URL cannot be known.');
  }
  return { scheme, host, path, query };
}

/** Whether the body is a single-part `application/x-www-form-urlencoded` entity (RFC 5849 §3.4.1.3.1). */
export function isFormBody(request: OAuthRequest): boolean {
  const type = singleHeader(request.headers, 'content-type');
  return (
    type !== undefined && type.split(';')[0]?.trim().toLowerCase() === 'application/x-www-form-urlencoded'
  );
}

/** Whether the request carries a non-empty body. */
export function hasBody(request: OAuthRequest): boolean {
  return request.body !== undefined && request.body.length > 0;
}

/** The body as text (form bodies are ASCII by construction; anything else is decoded as UTF-8). */
export function bodyText(request: OAuthRequest): string {
  const { body } = request;
  if (body === undefined) return '';
  return typeof body === 'string'
    ? body
    : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
}
