/**
 * `MalformedInputError`: what the RFC 5849 parsers throw for input they cannot read (a bad percent
 * escape, a malformed `Authorization` header, a URL that is not absolute). Core knows nothing of
 * problem responses; the engine turns this into `parameter_rejected` with the same name, value and
 * advice.
 */

import { CountersignError } from './countersign-error.js';

/**
 * Input the parsers cannot read: the parameter (or header) it was found in, the offending value as
 * sent, and advice for the client developer.
 *
 * @example
 * ```ts
 * try {
 *   percentDecode('%zz', { plusAsSpace: false });
 * } catch (error) {
 *   if (error instanceof MalformedInputError) console.log(error.parameter, error.value);
 * }
 * ```
 */
export class MalformedInputError extends CountersignError<'malformed_input'> {
  override readonly name = 'MalformedInputError';

  constructor(
    /** The parameter or header the input was found in. */
    readonly parameter: string,
    /** The offending value, as sent. */
    readonly value: string,
    /** What is wrong with it, for the client developer. */
    readonly advice: string,
  ) {
    super('malformed_input', advice);
  }
}
