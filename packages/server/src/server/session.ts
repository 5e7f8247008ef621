/**
 * The sign-in session, kept on the server: the cookie holds a random id (CSPRNG), HttpOnly and
 * SameSite=Lax, Secure over HTTPS; the store keeps only the id's SHA-256, the user, and when the
 * session ends. Signing out, a password change or a suspension deletes the row, so a copied cookie
 * stops working at once on every instance sharing the store.
 */
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerContext } from './context.js';

const COOKIE = 'cs_session';
/** A session ends this long after sign-in, however active. */
const ABSOLUTE_MS = 7 * 24 * 3600 * 1000;
/** …or this long after its last request. */
const IDLE_MS = 24 * 3600 * 1000;
/** Its idle end is moved on at most this often, so that a page view rarely writes. */
const TOUCH_EVERY_MS = 5 * 60 * 1000;
/** Longer than any id this server issues: a longer cookie is not looked up. */
const MAX_ID_LENGTH = 64;

/** Who a request's session belongs to, and the session's id hash. */
export interface SignedIn {
  readonly user: string;
  readonly idHash: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's live session, loaded once per request by the pages' hook. */
    signedIn: SignedIn | undefined;
  }
}

function hashId(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

/** Starts a session for `user` and sets its cookie; returns it. */
export async function startSession(
  ctx: ServerContext,
  reply: FastifyReply,
  user: string,
  secure: boolean,
): Promise<SignedIn> {
  const id = Buffer.from(ctx.randomBytes(32)).toString('base64url');
  const now = ctx.clock();
  const session = {
    idHash: hashId(id),
    user,
    createdAt: now,
    expiresAt: now + Math.min(IDLE_MS, ABSOLUTE_MS),
  };
  await ctx.data.createSession(session);
  reply.setCookie(COOKIE, id, {
    httpOnly: true,
    sameSite: 'lax',
    secure,
    path: '/',
    maxAge: ABSOLUTE_MS / 1000,
  });
  return { user, idHash: session.idHash };
}

/** Ends the request's session, if any, and clears its cookie. */
export async function endSession(ctx: ServerContext, request: FastifyRequest, reply: FastifyReply) {
  if (request.signedIn) await ctx.data.deleteSession(request.signedIn.idHash);
  request.signedIn = undefined;
  reply.clearCookie(COOKIE, { path: '/' });
}

/** The live session the request's cookie names, moving its idle end on; `undefined` if none. */
export async function loadSession(
  ctx: ServerContext,
  request: FastifyRequest,
): Promise<SignedIn | undefined> {
  const id = request.cookies[COOKIE];
  if (!id || id.length > MAX_ID_LENGTH) return undefined;
  const idHash = hashId(id);
  const session = await ctx.data.getSession(idHash);
  const now = ctx.clock();
  if (!session || session.expiresAt <= now) return undefined;
  const end = Math.min(session.createdAt + ABSOLUTE_MS, now + IDLE_MS);
  if (end - session.expiresAt >= TOUCH_EVERY_MS) await ctx.data.touchSession(idHash, end);
  return { user: session.user, idHash };
}
