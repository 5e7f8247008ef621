/** What every route of the reference server shares. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Provider, Store } from 'countersign';
import type { ServerData } from '../data/server-data.js';
import type { PageContext } from './views/layout.js';

export interface ServerContext {
  /** The engine's data: consumers, users, tokens. */
  readonly store: Store;
  /** The server's own: accounts, settings, sessions, notes, the problem log. */
  readonly data: ServerData;
  readonly provider: Provider;
  readonly clock: () => number;
  /** Cryptographically secure random bytes, for session ids. */
  readonly randomBytes: (size: number) => Uint8Array;
  /** Whether cookies get the Secure flag (the public URL is https). */
  readonly secureCookies: boolean;
  /** The configured public URL, when a proxy sits in front. */
  readonly publicUrl?: string | undefined;
}

/** The site's origin as its users reach it: the public URL, or the request's own scheme and host. */
export function siteOrigin(ctx: ServerContext, request: FastifyRequest): string {
  return (ctx.publicUrl ?? `${request.protocol}://${request.host}`).replace(/\/+$/, '');
}

/** The cookie @fastify/csrf-protection keeps its secret in (its default name). */
export const CSRF_COOKIE = '_csrf';

/**
 * What a CSRF token is bound to: the session, so that a token from before sign-in (or from another
 * session) is refused after it.
 */
export function csrfUserInfo(request: FastifyRequest): string {
  return request.signedIn?.idHash ?? 'signed-out';
}

/** The page context of a request: who is signed in, and a fresh CSRF token. */
export function pageContext(_ctx: ServerContext, request: FastifyRequest, reply: FastifyReply): PageContext {
  return { user: request.signedIn?.user, csrf: reply.generateCsrf({ userInfo: csrfUserInfo(request) }) };
}

/** The signed-in, active user; otherwise redirects to the sign-in page and returns `undefined`. */
export async function requireUser(
  ctx: ServerContext,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<string | undefined> {
  const name = request.signedIn?.user;
  const user = name === undefined ? undefined : await ctx.store.getUser(name);
  if (user?.status === 'active') return user.name;
  await reply.redirect(`/login?next=${encodeURIComponent(request.url)}`);
  return undefined;
}

/** Sends a page. */
export function sendPage(reply: FastifyReply, body: string, status = 200): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
}

/** An origin no request can have, to resolve `next` targets against. */
const SITE = new URL('http://site.invalid');

/**
 * Control characters and backslashes: browsers drop tabs and newlines from a URL and read `\` as
 * `/`, so `/\t/evil.example` or `/\evil.example` leave the site although they start with one slash.
 */
// eslint-disable-next-line no-control-regex -- control characters are what this refuses
const UNSAFE = /[\u0000-\u001f\u007f\\]/;

/**
 * A `next` target that stays on this site, otherwise `/console`: a path that, resolved against the
 * site's origin (WHATWG URL), keeps the origin, with no control character or backslash in it, nor
 * in its percent-decoding.
 *
 * @example
 * ```ts
 * safeNext('/console/apps/k'); // '/console/apps/k'
 * safeNext('/\\evil.example'); // '/console'
 * safeNext('/notes/é'); // '/notes/%C3%A9'
 * ```
 */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || !next.startsWith('/') || UNSAFE.test(next)) return '/console';
  let decoded: string;
  try {
    decoded = decodeURIComponent(next);
  } catch {
    return '/console';
  }
  if (UNSAFE.test(decoded) || decoded.startsWith('//')) return '/console';
  const url = new URL(next, SITE);
  // The URL's own serialisation is percent-encoded ASCII: a raw `/é` or `/。` cannot be sent in
  // a Location header as it is.
  return url.origin === SITE.origin ? `${url.pathname}${url.search}${url.hash}` : '/console';
}
