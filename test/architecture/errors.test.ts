/**
 * One error base: every error class of the library, the stores, the server and the CLI extends
 * `CountersignError` and carries its stable code; the library's are in the `errors` namespace.
 */
import { describe, expect, it } from 'vitest';
import { CliError, InvalidValueError } from '../../packages/server/src/cli/cli-error.js';
import { errors, OAuthProblem } from '../../packages/countersign/src/index.js';
import { FormFieldError } from '../../packages/server/src/server/form-fields.js';
import { RouteFileError } from '../../packages/server/src/server/gateway/routes.js';
import { RateLimitedError } from '../../packages/server/src/server/rate-limits.js';
import { SecretKeyError } from '../../packages/countersign/src/stores/secret-box.js';

const CASES: readonly [string, Error, string][] = [
  ['MalformedInputError', new errors.MalformedInputError('q', '%zz', 'bad escape'), 'malformed_input'],
  ['ProviderInputError', new errors.ProviderInputError('unknown_user', 'no such user'), 'unknown_user'],
  ['StoreUnavailableError', new errors.StoreUnavailableError('down'), 'store_unavailable'],
  ['BodyTooLargeError', new errors.BodyTooLargeError('too big'), 'body_too_large'],
  ['ProblemResponseError', new errors.ProblemResponseError('nonce_used', 401, {}), 'problem_response'],
  ['ProviderAnswerError', new errors.ProviderAnswerError('no answer'), 'provider_answer'],
  ['SecretKeyError', new SecretKeyError('key_unknown', 'no key'), 'key_unknown'],
  ['CliError', new CliError('bad flag'), 'cli_input'],
  ['InvalidValueError', new InvalidValueError('must be a port number'), 'cli_value'],
  ['FormFieldError', new FormFieldError('name'), 'form_field'],
  ['RateLimitedError', new RateLimitedError(60), 'rate_limited'],
  ['RouteFileError', new RouteFileError('routes[0] (GET /a): bad'), 'route_file'],
];

/** Compiles only while `code` narrows the union to one class per case. */
function describeError(error: errors.LibraryError): string {
  switch (error.code) {
    case 'malformed_input':
      return error.parameter;
    case 'problem_response':
      return error.problem;
    default:
      return error.name;
  }
}

describe('CountersignError', () => {
  it.each(CASES)('%s extends it, with its code', (name, error, code) => {
    expect(error).toBeInstanceOf(errors.CountersignError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect((error as errors.CountersignError).code).toBe(code);
  });

  it('is not the base of OAuthProblem, a refused request with a numeric code', () => {
    expect(new OAuthProblem('nonce_used')).not.toBeInstanceOf(errors.CountersignError);
  });

  it('lets a switch on code narrow the union of the library errors', () => {
    expect(describeError(new errors.MalformedInputError('q', '%zz', 'bad'))).toBe('q');
    expect(describeError(new errors.ProblemResponseError('nonce_used', 401, {}))).toBe('nonce_used');
    expect(describeError(new errors.StoreUnavailableError('down'))).toBe('StoreUnavailableError');
  });
});
