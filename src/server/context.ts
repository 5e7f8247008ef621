/** What every route of the reference server shares. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Provider } from '../provider/provider.js';
import type { AppData } from '../stores/app-data.js';
import type { Store } from '../stores/store.js';
import { sessionUser } from './session.js';
import type { PageContext } from './views/layout.js';

export interface ServerContext {
  readonly store: Store & AppData;
  readonly provider: Provider;
  readonly clock: () => number;
  /** Whether cookies get the Secure flag (the public URL is https). */
  readonly secureCookies: boolean;
}

/** The page context of a request: who is signed in, and a fresh CSRF token. */
export function pageContext(ctx: ServerContext, request: FastifyRequest, reply: FastifyReply): PageContext {
  return { user: sessionUser(request, ctx.clock()), csrf: reply.generateCsrf() };
}

/** The signed-in, active user; otherwise redirects to the sign-in page and returns `undefined`. */
export async function requireUser(
  ctx: ServerContext,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<string | undefined> {
  const name = sessionUser(request, ctx.clock());
  const user = name === undefined ? undefined : await ctx.store.getUser(name);
  if (user?.status === 'active') return user.name;
  await reply.redirect(`/login?next=${encodeURIComponent(request.url)}`);
  return undefined;
}

/** Sends a page. */
export function sendPage(reply: FastifyReply, body: string, status = 200): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
}

/** A `next` target that stays on this site. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && next.startsWith('/') && !next.startsWith('//') ? next : '/console';
}
