/**
 * The usage lines and `--help` text of a command, made from its definition: the same definition
 * the parser reads, so the help cannot tell of an option the command does not take.
 */
import type { Command, CommandGroup, Option, Options } from './command-definition.js';

const WIDTH = 100;
/** Where an option's help starts in `--help`. */
const HELP_COLUMN = 34;

function flagText(name: string, option: Option, short = true): string {
  const flag = short && option.short !== undefined ? `-${option.short}` : `--${name}`;
  return `${flag}${option.value === undefined ? '' : ` ${option.value}`}${option.multiple ? ' ...' : ''}`;
}

/** The usage line's tokens: the arguments, then each option, an exclusive group as one `[a | b]`. */
function usageTokens(command: Command): string[] {
  const tokens = [...(command.arguments ?? [])];
  const grouped = new Map<string, readonly string[]>();
  for (const members of command.exclusive ?? []) for (const name of members) grouped.set(name, members);
  const done = new Set<string>();
  for (const [name, option] of Object.entries(command.options)) {
    if (done.has(name)) continue;
    const members = grouped.get(name) ?? [name];
    for (const member of members) done.add(member);
    const text = members.map((member) => flagText(member, command.options[member] as Option)).join(' | ');
    tokens.push(option.required && members.length === 1 ? text : `[${text}]`);
  }
  return tokens;
}

/**
 * Words laid out in lines of at most `WIDTH` (a word longer than a line gets one of its own): the
 * first line starts with `first`, the others with `indent`. A line ending in a space (a padded
 * column) takes its first word without another.
 */
function wrap(first: string, words: readonly string[], indent: string): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = first.trim() === '';
  for (const word of words) {
    if (!empty && line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = indent + word;
    } else {
      line = line.endsWith(' ') || line === '' ? line + word : `${line} ${word}`;
    }
    empty = false;
  }
  lines.push(line);
  return lines;
}

/**
 * A command's usage, as the README's command block shows it.
 *
 * @example
 * ```ts
 * usage(['token', 'revoke'], tokenRevoke); // ['countersign token revoke ACCESS_TOKEN [--db FILE | --database-url URL] [--key-file FILE]']
 * ```
 */
export function usage(path: readonly string[], command: Command): string[] {
  const head = `countersign ${path.join(' ')}`;
  const indent = ' '.repeat(`countersign ${path[0] ?? ''} `.length);
  const lines = wrap(head, usageTokens(command), indent);
  if (command.prints === undefined) return lines;
  const comment = `# prints ${command.prints}`;
  const last = lines.length - 1;
  if ((lines[last] ?? '').length + 3 + comment.length <= WIDTH) lines[last] += `   ${comment}`;
  else lines.push(indent + comment);
  return lines;
}

/** An option's help, then its default and variable, each kept whole on one line. */
function optionDetails(option: Option): string[] {
  return [
    ...option.help.split(' '),
    ...(option.defaultText === undefined ? [] : [`[default: ${option.defaultText}]`]),
    ...(option.env === undefined ? [] : [`[env: ${option.env}]`]),
  ];
}

function described(left: string, help: string | readonly string[]): string[] {
  const indent = ' '.repeat(HELP_COLUMN);
  const words = typeof help === 'string' ? help.split(' ') : help;
  if (left.length >= HELP_COLUMN - 1) return [left, ...wrap(indent, words, indent)];
  return wrap(left.padEnd(HELP_COLUMN), words, indent);
}

function optionLines(options: Options): string[] {
  return Object.entries(options).flatMap(([name, option]) => {
    const short = option.short === undefined ? '    ' : `-${option.short}, `;
    return described(`  ${short}${flagText(name, option, false)}`, optionDetails(option));
  });
}

/** `countersign PATH --help`. */
export function commandHelp(path: readonly string[], command: Command): string {
  const lines = ['Usage:', ...usage(path, command).map((line) => `  ${line}`), '', `${command.summary}.`];
  if (command.description !== undefined) lines.push('', command.description);
  lines.push('', 'Options:', ...optionLines(command.options), ...described('  -h, --help', 'show this help'));
  if (command.environment !== undefined && command.environment.length > 0) {
    lines.push('', 'Environment (no flag, so that the value is never on a command line):');
    for (const variable of command.environment) lines.push(...described(`  ${variable.name}`, variable.help));
  }
  return lines.join('\n');
}

/** `countersign GROUP --help`: its subcommands' usage. */
export function groupHelp(name: string, group: CommandGroup): string {
  const lines = ['Usage:'];
  for (const [sub, command] of Object.entries(group.subcommands))
    lines.push(...usage([name, sub], command).map((line) => `  ${line}`));
  lines.push('', `${group.summary}.`, '', 'Commands:');
  for (const [sub, command] of Object.entries(group.subcommands))
    lines.push(...described(`  ${name} ${sub}`, command.summary));
  lines.push('', `"countersign ${name} COMMAND --help" shows a command's options.`);
  return lines.join('\n');
}

/** `countersign --help`: every command with its summary. */
export function indexHelp(
  version: string,
  commands: readonly (readonly [readonly string[], Command])[],
): string {
  return [
    `countersign ${version}: an OAuth 1.0a service provider, its admin commands, and a client.`,
    '',
    'Usage: countersign COMMAND [ARGUMENTS] [OPTIONS]',
    '',
    'Commands:',
    ...commands.flatMap(([path, command]) => described(`  ${path.join(' ')}`, command.summary)),
    '',
    '"countersign COMMAND --help" shows its options, and the environment variable each is read from',
    'when its flag is not given. "countersign --version" prints the version.',
  ].join('\n');
}
