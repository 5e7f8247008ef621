/**
 * `OAuthProblem`: the one error type for a refused request. It is data — a catalogue entry plus the
 * details that entry reports — and the renderers in `render.ts` turn it into a response.
 */
import { PROBLEMS, type ProblemCode, type ProblemName } from './catalogue.js';

/** The details a problem may report; which ones apply depends on the problem. */
export interface ProblemDetails {
  /** Human advice for this occurrence; defaults to the catalogue's advice. */
  readonly advice?: string;
  /** `parameter_absent`: every missing parameter name. */
  readonly parametersAbsent?: readonly string[];
  /** `parameter_rejected`: the offending parameters as name/value pairs. */
  readonly parametersRejected?: readonly (readonly [string, string])[];
  /** `timestamp_refused`: the accepted range, in seconds since the epoch. */
  readonly acceptableTimestamps?: readonly [number, number];
  /** `signature_invalid`: the base string the server computed. */
  readonly signatureBaseString?: string;
  /** `method_not_allowed`: the methods the endpoint takes (the `Allow` header). */
  readonly allow?: readonly string[];
}

/**
 * A refused OAuth request. `problem` and `code` narrow together, so `switch (err.problem)` works.
 *
 * @example
 * ```ts
 * import { OAuthProblem } from 'countersign';
 * const p = new OAuthProblem('parameter_absent', { parametersAbsent: ['oauth_nonce'] });
 * p.code;   // 2
 * p.status; // 400
 * ```
 */
export class OAuthProblem extends Error {
  override readonly name = 'OAuthProblem';
  /** The `oauth_problem` wire name. */
  readonly problem: ProblemName;
  /** The numeric code from the catalogue. */
  readonly code: ProblemCode;
  /** The HTTP status to answer with. */
  readonly status: number;
  /** Advice for the client developer. */
  readonly advice: string;
  /** The extra details of this occurrence. */
  readonly details: ProblemDetails;

  constructor(problem: ProblemName, details: ProblemDetails = {}) {
    const entry = PROBLEMS[problem];
    super(`${problem}: ${entry.summary}`);
    this.problem = problem;
    this.code = entry.code;
    this.status = entry.status;
    this.advice = details.advice ?? entry.advice;
    this.details = details;
  }
}

/**
 * Whether a value is an {@link OAuthProblem}, optionally a given one.
 *
 * @example
 * ```ts
 * if (isOAuthProblem(err, 'nonce_used')) retryWithFreshNonce();
 * ```
 */
export function isOAuthProblem(value: unknown, problem?: ProblemName): value is OAuthProblem {
  return value instanceof OAuthProblem && (problem === undefined || value.problem === problem);
}

/** Shorthand for the commonest problem of the parser: one offending parameter. */
export function rejectParameter(name: string, value: string, advice: string): OAuthProblem {
  return new OAuthProblem('parameter_rejected', { parametersRejected: [[name, value]], advice });
}
