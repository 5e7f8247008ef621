/**
 * The sign-in session: a signed cookie holding the user name and the time it was issued, HttpOnly
 * and SameSite=Lax, Secure over HTTPS. Stateless, so every instance of the server accepts it.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

const COOKIE = 'cs_session';
const MAX_AGE_SECONDS = 7 * 24 * 3600;

export function startSession(reply: FastifyReply, user: string, now: number, secure: boolean): void {
  reply.setCookie(COOKIE, `${user}.${Math.floor(now / 1000)}`, {
    signed: true,
    httpOnly: true,
    sameSite: 'lax',
    secure,
    path: '/',
    maxAge: MAX_AGE_SECONDS,
  });
}

export function endSession(reply: FastifyReply): void {
  reply.clearCookie(COOKIE, { path: '/' });
}

/** The signed-in user name, if the cookie is present, authentic and not too old. */
export function sessionUser(request: FastifyRequest, now: number): string | undefined {
  const raw = request.cookies[COOKIE];
  if (raw === undefined) return undefined;
  const unsigned = request.unsignCookie(raw);
  if (!unsigned.valid || unsigned.value === null) return undefined;
  const dot = unsigned.value.lastIndexOf('.');
  const issued = Number(unsigned.value.slice(dot + 1));
  if (dot <= 0 || !Number.isInteger(issued) || now / 1000 - issued > MAX_AGE_SECONDS) return undefined;
  return unsigned.value.slice(0, dot);
}
