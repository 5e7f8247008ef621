/**
 * `CliError`: a bad command line or bad input, reported as one line on stderr with a non-zero exit.
 */
import { CountersignError } from 'countersign';

export class CliError extends CountersignError<'cli_input'> {
  override readonly name = 'CliError';
  constructor(message: string) {
    super('cli_input', message);
  }
}

/** Splits a `k=v` argument; the value may be empty, the name may not. */
export function keyValue(flag: string, text: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new CliError(`${flag} takes NAME=VALUE, got ${JSON.stringify(text)}`);
  return [text.slice(0, eq), text.slice(eq + 1)];
}
