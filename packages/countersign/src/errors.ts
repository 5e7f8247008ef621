/**
 * The library's error classes, gathered for `import { errors } from 'countersign'`. Every one
 * extends `CountersignError` and carries a stable `code`; `OAuthProblem` (a refused request, with its
 * catalogue code) is not among them. The stores' `SecretKeyError` is exported by the store subpaths,
 * and `OutcomeError` by `countersign/lti`.
 */
import { CountersignError } from './core/countersign-error.js';
import { MalformedInputError } from './core/malformed-input.js';
import { BodyTooLargeError } from './http/node.js';
import { ProviderInputError, StoreUnavailableError } from './provider/errors.js';
import { ProblemResponseError } from './client/problem-response.js';
import { ProviderAnswerError } from './client/oauth-client.js';

export {
  BodyTooLargeError,
  CountersignError,
  MalformedInputError,
  ProblemResponseError,
  ProviderAnswerError,
  ProviderInputError,
  StoreUnavailableError,
};

/**
 * Any of the library's errors: `switch (error.code)` on it narrows to the class.
 *
 * @example
 * ```ts
 * const e = error as errors.LibraryError;
 * if (e.code === 'store_unavailable') retryLater();
 * ```
 */
export type LibraryError =
  | MalformedInputError
  | ProviderInputError
  | StoreUnavailableError
  | BodyTooLargeError
  | ProblemResponseError
  | ProviderAnswerError;
