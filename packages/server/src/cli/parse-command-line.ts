/**
 * Reading a command's arguments from its definition: the flags (node's `util.parseArgs`, strict),
 * then each option's environment variable for a flag not given, then its default. A flag wins over
 * its variable; an empty variable counts as unset. Every refusal is a one-line `CliError` naming the
 * flag or the variable, never repeating the value.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliError, InvalidValueError } from './cli-error.js';
import type { CommandDefinition, Option, Options } from './command-definition.js';

type Env = Readonly<Record<string, string | undefined>>;

export interface ParsedCommandLine {
  readonly values: Readonly<Record<string, unknown>>;
  readonly positionals: readonly string[];
}

/** `--help` or `-h` before any `--`: the command's help is asked for, whatever else is there. */
export function asksForHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

function parseArgsConfig(options: Options): NonNullable<ParseArgsConfig['options']> {
  return Object.fromEntries(
    Object.entries(options).map(([name, option]) => [
      name,
      {
        type: option.type,
        ...(option.short === undefined ? {} : { short: option.short }),
        ...(option.multiple ? { multiple: true } : {}),
      },
    ]),
  );
}

/** node's parse errors, in one line that says what to do. */
function flagError(error: unknown, usage: string): CliError {
  const { code, message } = error as { code?: string; message: string };
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const flag = /'([^']+)'/.exec(message)?.[1] ?? 'option';
    return new CliError(`unknown option ${flag} (see ${usage} --help)`);
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const flag = /'(?:-\w, )?(-[^ ']+)/.exec(message)?.[1] ?? 'an option';
    return new CliError(
      message.includes('does not take')
        ? `${flag} takes no value`
        : `${flag} needs a value (write ${flag}=VALUE for one that starts with "-")`,
    );
  }
  return new CliError(message.split(/[.\n]/)[0] ?? message);
}

function parsed(option: Option, text: string, source: string): unknown {
  try {
    return option.parse(text);
  } catch (error) {
    if (error instanceof InvalidValueError) throw new CliError(`${source} ${error.reason}`);
    throw error;
  }
}

/** The exclusive groups' checks; returns the options whose variables a given flag hides. */
function exclusions(
  definition: CommandDefinition<Options>,
  flags: Readonly<Record<string, unknown>>,
  env: Env,
): Set<string> {
  const hidden = new Set<string>();
  for (const members of definition.exclusive ?? []) {
    const given = members.filter((name) => flags[name] !== undefined);
    if (given.length > 1) throw new CliError(`choose one of --${given.join(', --')}`);
    if (given.length === 1) {
      for (const name of members) if (name !== given[0]) hidden.add(name);
      continue;
    }
    const variables = members
      .map((name) => definition.options[name]?.env)
      .filter((variable): variable is string => variable !== undefined && (env[variable] ?? '') !== '');
    if (variables.length > 1) throw new CliError(`set one of ${variables.join(', ')}, not both`);
  }
  return hidden;
}

/**
 * The command's values and positionals from `args` and `env`.
 *
 * @example
 * ```ts
 * const { values } = parseCommandLine(serveDefinition, ['--port', '8080'], { HOST: '0.0.0.0' }, 'countersign serve');
 * ```
 */
export function parseCommandLine(
  definition: CommandDefinition<Options>,
  args: readonly string[],
  env: Env,
  usage: string,
): ParsedCommandLine {
  let result: ReturnType<typeof parseArgs>;
  try {
    result = parseArgs({
      args: [...args],
      options: parseArgsConfig(definition.options),
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw flagError(error, usage);
  }
  const expected = definition.arguments ?? [];
  if (result.positionals.length !== expected.length) {
    const takes = expected.length === 0 ? 'no arguments' : expected.join(' ');
    throw new CliError(`takes ${takes} (see ${usage} --help)`);
  }
  const flags = result.values as Readonly<Record<string, string | boolean | string[] | undefined>>;
  const hidden = exclusions(definition, flags, env);
  const values: Record<string, unknown> = {};
  for (const [name, option] of Object.entries(definition.options)) {
    const given = flags[name];
    const variable = option.env !== undefined && !hidden.has(name) ? env[option.env] : undefined;
    if (Array.isArray(given)) values[name] = given.map((text) => parsed(option, text, `--${name}`));
    else if (typeof given === 'boolean') values[name] = given;
    else if (given !== undefined) values[name] = parsed(option, given, `--${name}`);
    else if (variable !== undefined && variable !== '')
      values[name] = parsed(option, variable, option.env ?? name);
    else values[name] = option.fallback;
    if (option.required && (values[name] === undefined || values[name] === false))
      throw new CliError(`--${name}${option.env === undefined ? '' : ` (or ${option.env})`} is required`);
  }
  return { values, positionals: result.positionals };
}
