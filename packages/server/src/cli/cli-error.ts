/**
 * `CliError`: a bad command line or bad input, reported as one line on stderr with exit code 2.
 * `InvalidValueError`: what a value must be, said by a value parser without repeating the value
 * (it may be a password in a URL); the parser's caller names the flag or variable it came from.
 */
import { CountersignError } from 'countersign';

export class CliError extends CountersignError<'cli_input'> {
  override readonly name = 'CliError';
  constructor(message: string) {
    super('cli_input', message);
  }
}

export class InvalidValueError extends CountersignError<'cli_value'> {
  override readonly name = 'InvalidValueError';
  /** @param reason What the value must be, as it reads after the option's name: "must be a port number". */
  constructor(readonly reason: string) {
    super('cli_value', reason);
  }
}

/** Splits a `k=v` argument; the value may be empty, the name may not. */
export function keyValue(flag: string, text: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new CliError(`${flag} takes NAME=VALUE, got ${JSON.stringify(text)}`);
  return [text.slice(0, eq), text.slice(eq + 1)];
}
