/**
 * Every command of `countersign`, and the dispatcher: `--help` and `--version` answered from the
 * definitions, arguments parsed from them, and bad input turned into one line with exit code 2.
 */
import { createRequire } from 'node:module';
import { errors, isOAuthProblem } from 'countersign';
import { CliError } from './cli-error.js';
import type { Command, CommandIo, Entry } from './command-definition.js';
import { authorize } from './commands/authorize.js';
import { consumer } from './commands/consumer.js';
import { approve, deny } from './commands/decide.js';
import { importCommand } from './commands/import.js';
import { profile } from './commands/profile.js';
import { request } from './commands/request.js';
import { secrets } from './commands/secrets.js';
import { serveCommand } from './commands/serve.js';
import { sign } from './commands/sign.js';
import { token } from './commands/token.js';
import { user } from './commands/user.js';
import { commandHelp, groupHelp, indexHelp } from './help-text.js';
import { asksForHelp, parseCommandLine } from './parse-command-line.js';

/** The commands, in the order `countersign --help` and the README list them. */
export const COMMANDS: Readonly<Record<string, Entry>> = {
  serve: serveCommand,
  user,
  consumer,
  approve,
  deny,
  token,
  import: importCommand,
  secrets,
  request,
  profile,
  authorize,
  sign,
};

/** The version of the package this command came in. */
export const VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/** Every command's path (`['user', 'add']`) with its definition. */
export function everyCommand(): [string[], Command][] {
  return Object.entries(COMMANDS).flatMap(([name, entry]): [string[], Command][] =>
    entry.kind === 'command'
      ? [[[name], entry]]
      : Object.entries(entry.subcommands).map(([sub, command]): [string[], Command] => [
          [name, sub],
          command,
        ]),
  );
}

/** Finds the command `argv` names; answers `--help` itself. */
function resolve(
  argv: readonly string[],
  io: CommandIo,
): { path: string[]; command: Command; args: string[] } | number {
  const [name = '', ...rest] = argv;
  const entry = COMMANDS[name];
  if (!entry) throw new CliError(`unknown command ${JSON.stringify(name)} (see countersign --help)`);
  if (entry.kind === 'command') return { path: [name], command: entry, args: rest };
  const [sub, ...args] = rest;
  const command = sub === undefined ? undefined : entry.subcommands[sub];
  if (command) return { path: [name, sub as string], command, args };
  if (asksForHelp(rest)) {
    io.out(groupHelp(name, entry));
    return 0;
  }
  const choices = Object.keys(entry.subcommands).join(', ');
  throw new CliError(
    `${sub === undefined ? 'needs' : `has no command ${JSON.stringify(sub)}; it takes`} one of ${choices} (see countersign ${name} --help)`,
  );
}

/** Bad input (exit code 2) rather than a failure of the command itself. */
function isBadInput(error: unknown): error is Error {
  return error instanceof CliError || isOAuthProblem(error) || error instanceof errors.MalformedInputError;
}

/**
 * Runs `countersign ARGV`; returns the exit code.
 *
 * @example
 * ```ts
 * const code = await dispatch(['sign', '--url', 'http://x/', '--consumer-key', 'k', '--consumer-secret', 's'], io);
 * ```
 */
export async function dispatch(argv: readonly string[], io: CommandIo): Promise<number> {
  const [first] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    if (argv.length > 1 && first === 'help') return dispatch([...argv.slice(1), '--help'], io);
    io.out(indexHelp(VERSION, everyCommand()));
    return 0;
  }
  if (first === '--version' || first === '-V') {
    io.out(`countersign ${VERSION}`);
    return 0;
  }
  try {
    const found = resolve(argv, io);
    if (typeof found === 'number') return found;
    const { path, command, args } = found;
    const usage = `countersign ${path.join(' ')}`;
    if (asksForHelp(args)) {
      io.out(commandHelp(path, command));
      return 0;
    }
    const { values, positionals } = parseCommandLine(command, args, io.env, usage);
    return (await command.run(values, positionals, io)) ?? 0;
  } catch (error) {
    if (!isBadInput(error)) throw error;
    io.err(`countersign${COMMANDS[first] ? ` ${first}` : ''}: ${error.message}`);
    return 2;
  }
}
