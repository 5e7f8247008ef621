/**
 * The limits on the account forms, counted by @fastify/rate-limit (in Redis when the server has it,
 * so they hold across instances): sign-in per address and per account name, sign-up per address.
 * Per name only failures count, so that an owner who signs in is not held back by them; still, a
 * guesser spreading attempts over many addresses gets a few guesses per name and window.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formField } from './form-fields.js';

/** A limit was reached: the error handler answers it with the 429 page. */
export class RateLimitedError extends Error {
  override readonly name = 'RateLimitedError';
  readonly statusCode = 429;
  constructor(readonly retryAfterSeconds: number) {
    super('Too many attempts.');
  }
}

/** How many, in how long. */
interface Limit {
  readonly max: number;
  readonly timeWindow: string;
}

const LIMITS = {
  signInPerAddress: { max: 10, timeWindow: '1 minute' },
  signInFailuresPerName: { max: 10, timeWindow: '15 minutes' },
  signUpPerAddress: { max: 10, timeWindow: '1 hour' },
  signUpFailuresPerAddress: { max: 5, timeWindow: '15 minutes' },
} as const satisfies Record<string, Limit>;

/** The account name of a sign-in form, as a fixed-size key whatever was typed. */
function nameKey(request: FastifyRequest): string {
  const name = formField(request, 'name').trim().toLowerCase();
  return `sign-in-name:${createHash('sha256').update(name).digest('base64url')}`;
}

type Check = ReturnType<FastifyInstance['createRateLimit']>;

/** Counts this request against `check`, or only reads the count; throws once the limit is reached. */
async function enforce(check: Check, request: FastifyRequest, reply: FastifyReply, increment: boolean) {
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
  /** Refuses a sign-in to a name that has failed too often, before its password is checked. */
  readonly checkName: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** Counts a failed sign-in against its name. */
  readonly nameFailed: (request: FastifyRequest) => Promise<void>;
  /** preHandler: counts a sign-up attempt from this address, and refuses after too many failures. */
  readonly signUpAttempt: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** Counts a refused sign-up (a name taken, a password refused) against its address. */
  readonly signUpFailed: (request: FastifyRequest) => Promise<void>;
}

/** Makes the limiters; `app` must have @fastify/rate-limit registered. */
export function accountLimits(app: FastifyInstance): AccountLimits {
  const limiter = (limit: Limit, key: (request: FastifyRequest) => string) =>
    app.createRateLimit({ ...limit, keyGenerator: key });
  const signIn = limiter(LIMITS.signInPerAddress, (r) => `sign-in:${r.ip}`);
  const byName = limiter(LIMITS.signInFailuresPerName, nameKey);
  const signUp = limiter(LIMITS.signUpPerAddress, (r) => `sign-up:${r.ip}`);
  const signUpFailures = limiter(LIMITS.signUpFailuresPerAddress, (r) => `sign-up-failed:${r.ip}`);
  return {
    signInAttempt: (request, reply) => enforce(signIn, request, reply, true),
    checkName: (request, reply) => enforce(byName, request, reply, false),
    nameFailed: async (request) => {
      await byName(request);
    },
    signUpAttempt: async (request, reply) => {
      await enforce(signUp, request, reply, true);
      await enforce(signUpFailures, request, reply, false);
    },
    signUpFailed: async (request) => {
      await signUpFailures(request);
    },
  };
}
