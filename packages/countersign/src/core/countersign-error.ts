/**
 * `CountersignError`: the one base class of the library's own errors (every one but `OAuthProblem`,
 * which is a refused request rather than a failure). It sits in core, the lowest layer, so that
 * every layer above can extend it.
 */

/**
 * An error of Countersign's, with a stable string `code`. Each subclass narrows `code` to its own
 * literal values, so `switch (error.code)` on a subclass (or on `errors.LibraryError`) narrows.
 *
 * @example
 * ```ts
 * import { errors } from 'countersign';
 * if (error instanceof errors.CountersignError) console.log(error.code); // 'store_unavailable', …
 * ```
 */
export class CountersignError<Code extends string = string> extends Error {
  override readonly name: string = 'CountersignError';
  /** What went wrong, as a stable string (messages may change, codes do not). */
  readonly code: Code;

  constructor(code: Code, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}
