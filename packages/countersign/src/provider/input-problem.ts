/**
 * Where the engine turns core's `MalformedInputError` into the `parameter_rejected` problem: core
 * reports unreadable input as data and knows nothing of problem responses.
 */
import { MalformedInputError } from '../core/malformed-input.js';
import { rejectParameter } from '../problems/oauth-problem.js';

/**
 * The problem for an error a check threw: a `MalformedInputError` becomes `parameter_rejected`
 * naming the same parameter, value and advice; anything else is returned as it is.
 *
 * @example
 * ```ts
 * const problem = asProblem(error); // an OAuthProblem when error was a MalformedInputError
 * ```
 */
export function asProblem(error: unknown): unknown {
  if (!(error instanceof MalformedInputError)) return error;
  return rejectParameter(error.parameter, error.value, error.advice);
}
