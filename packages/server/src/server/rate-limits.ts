/**
 * The limits on the account forms, counted by @fastify/rate-limit (in Redis when the server has it,
 * so they hold across instances): sign-in per address, per account name and address, and per
 * account name; sign-up per address; the password change per signed-in user.
 *
 * Every sign-in attempt is counted before its password is checked, and one past a limit is refused
 * without checking it: the count is one atomic increment, so requests racing each other cannot all
 * slip under the limit, and at most `max` passwords per name and window are ever compared.
 *
 * The per-name limits trade guessing against lockout (NIST SP 800-63B §5.2.2). A strict limit keyed
 * on name and address holds back one guesser without touching the owner, who signs in from another
 * address; a higher limit keyed on the name alone caps what a guesser spread over many addresses
 * gets per name and window, and means that locking an owner out takes that many requests per
 * window, not a handful. An address is keyed on its IPv6 /64 (a customer's usual allocation), so
 * rotating through one's own prefix does not multiply the attempts.
 */
import { createHash } from 'node:crypto';
import { normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CountersignError } from 'countersign';
import { formField } from './form-fields.js';

/** A limit was reached: the error handler answers it with the 429 page. */
export class RateLimitedError extends CountersignError<'rate_limited'> {
  override readonly name = 'RateLimitedError';
  readonly statusCode = 429;
  constructor(readonly retryAfterSeconds: number) {
    super('rate_limited', 'Too many attempts.');
  }
}

/** How many, in how long (a number of milliseconds or words such as `'15 minutes'`). */
export interface Limit {
  readonly max: number;
  readonly timeWindow: string | number;
}

/**
 * The account forms' limits: attempts per window, each counted before the form's password is
 * checked (refused sign-ups are counted after, as they check no password of anyone).
 */
export const DEFAULT_ACCOUNT_LIMITS = {
  signInPerAddress: { max: 10, timeWindow: '1 minute' },
  signInPerNameAndAddress: { max: 10, timeWindow: '15 minutes' },
  // NIST SP 800-63B §5.2.2 caps consecutive failed attempts on one account at 100.
  signInPerName: { max: 100, timeWindow: '15 minutes' },
  signUpPerAddress: { max: 10, timeWindow: '1 hour' },
  signUpFailuresPerAddress: { max: 5, timeWindow: '15 minutes' },
  passwordChangePerUser: { max: 5, timeWindow: '15 minutes' },
} as const satisfies Record<string, Limit>;

/** The account forms' limits, by name (see {@link DEFAULT_ACCOUNT_LIMITS}). */
export type AccountLimitSettings = { readonly [K in keyof typeof DEFAULT_ACCOUNT_LIMITS]: Limit };

/**
 * How many keys a per-name limiter keeps in memory without Redis (the library's default is 5,000).
 * Past it the least recently used key is dropped, so failures against that many invented names
 * would reset a real name's count; an entry is only a short key and three numbers, so a count per
 * name for a far larger crowd of names costs little memory.
 */
const NAME_CACHE_SIZE = 100_000;

/** The address a request comes from, as a limit counts it: an IPv6 address by its /64. */
function addressKey(request: FastifyRequest): string {
  return normalizeIP(request.ip, 64);
}

/** A string as a fixed-size key, whatever its length. */
function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

/** The account name of a sign-in form, as it is looked up. */
function signInName(request: FastifyRequest): string {
  return digest(formField(request, 'name').trim().toLowerCase());
}

type Check = ReturnType<FastifyInstance['createRateLimit']>;

/** Counts this request against `check`, or only reads the count; throws once the limit is reached. */
async function enforce(check: Check, request: FastifyRequest, reply: FastifyReply, increment = true) {
  const limit = await check(request, { increment });
  if (limit.isAllowed) return;
  // Reading, the limit is reached when one more would pass it.
  if (increment ? limit.isExceeded : limit.remaining === 0) {
    reply.header('retry-after', limit.ttlInSeconds);
    throw new RateLimitedError(limit.ttlInSeconds);
  }
}

/** The account forms' limits, as hooks and calls for their routes. */
export interface AccountLimits {
  /** preHandler: counts a sign-in attempt from this address. */
  readonly signInAttempt: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** preHandler: counts a sign-in attempt against its name (and address), before the password check. */
  readonly signInNameAttempt: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** preHandler: counts a sign-up attempt from this address, and refuses after too many failures. */
  readonly signUpAttempt: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** Counts a refused sign-up (a name taken, a password refused) against its address. */
  readonly signUpFailed: (request: FastifyRequest) => Promise<void>;
  /** preHandler: counts a password change by the signed-in user, before the current password is checked. */
  readonly passwordChangeAttempt: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
}

/**
 * Makes the limiters; `app` must have @fastify/rate-limit registered.
 *
 * @example
 * ```ts
 * const limits = accountLimits(pages, { signInPerName: { max: 50, timeWindow: '15 minutes' } });
 * pages.post('/login', { preHandler: [limits.signInAttempt, csrf, limits.signInNameAttempt] }, handler);
 * ```
 */
export function accountLimits(
  app: FastifyInstance,
  settings: Partial<AccountLimitSettings> = {},
): AccountLimits {
  const limits: AccountLimitSettings = { ...DEFAULT_ACCOUNT_LIMITS, ...settings };
  const limiter = (limit: Limit, key: (request: FastifyRequest) => string, cache?: number) => {
    // `cache` sizes this limiter's own in-memory store (the library's default when undefined); its
    // types leave it out of `createRateLimit`'s options, though the store honours it.
    const options = { ...limit, keyGenerator: key, cache };
    return app.createRateLimit(options);
  };
  const signIn = limiter(limits.signInPerAddress, (r) => `sign-in:${addressKey(r)}`);
  const byNameAndAddress = limiter(
    limits.signInPerNameAndAddress,
    (r) => `sign-in-name-address:${signInName(r)}:${addressKey(r)}`,
    NAME_CACHE_SIZE,
  );
  const byName = limiter(limits.signInPerName, (r) => `sign-in-name:${signInName(r)}`, NAME_CACHE_SIZE);
  const signUp = limiter(limits.signUpPerAddress, (r) => `sign-up:${addressKey(r)}`);
  const signUpFailures = limiter(limits.signUpFailuresPerAddress, (r) => `sign-up-failed:${addressKey(r)}`);
  const passwordChange = limiter(
    limits.passwordChangePerUser,
    (r) => `password-change:${digest(r.signedIn?.user ?? '')}`,
  );
  return {
    signInAttempt: (request, reply) => enforce(signIn, request, reply),
    signInNameAttempt: async (request, reply) => {
      // One address past its limit is refused here, and so does not spend the name's own count.
      await enforce(byNameAndAddress, request, reply);
      await enforce(byName, request, reply);
    },
    signUpAttempt: async (request, reply) => {
      await enforce(signUp, request, reply);
      await enforce(signUpFailures, request, reply, false);
    },
    signUpFailed: async (request) => {
      await signUpFailures(request);
    },
    passwordChangeAttempt: async (request, reply) => {
      // Signed out, the route sends the browser to sign in and checks no password.
      if (request.signedIn) await enforce(passwordChange, request, reply);
    },
  };
}
