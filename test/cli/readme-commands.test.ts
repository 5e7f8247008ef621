/**
 * The README's command block against the command definitions: every command, argument and option
 * the README shows exists, and every command and option defined is in the README.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMANDS, everyCommand } from '../../packages/server/src/cli/command-tree.js';
import type { Command } from '../../packages/server/src/cli/command-definition.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The first code block after the heading "The command line". */
function commandBlock(): string {
  const section = README.slice(README.indexOf('## The command line'));
  const block = /```\n([\s\S]*?)```/.exec(section)?.[1];
  if (block === undefined) throw new Error('the README has no command block');
  return block;
}

/**
 * One line per usage as written: continuation lines joined, `#` comments dropped, and alternatives
 * (`countersign user suspend NAME | user resume NAME`) split into usages of their own.
 */
function usages(block: string): string[] {
  const chunks: string[] = [];
  for (const raw of block.split('\n')) {
    const line = raw.replace(/(^|\s)#.*$/, '');
    if (line.trim() === '') continue;
    if (line.startsWith('countersign ')) chunks.push(line);
    else if (chunks.length > 0) chunks[chunks.length - 1] += ` ${line.trim()}`;
    else throw new Error(`a line before any command: ${raw}`);
  }
  return chunks.flatMap((chunk) =>
    chunk.split(/ \| (?=[a-z])/).map((part, i) => (i === 0 ? part : `countersign ${part}`)),
  );
}

/** What a usage line names: its command's path, the flags, and the words that are neither. */
function readUsage(line: string): { path: string; flags: string[]; words: string[] } {
  const words = line.split(/\s+/).slice(1);
  const [name = '', sub = ''] = words;
  const entry = COMMANDS[name];
  const path = entry?.kind === 'group' ? `${name} ${sub}` : name;
  const rest = words.slice(path.split(' ').length).join(' ');
  const flags = [...rest.matchAll(/(?:^|[\s[|])(--?[A-Za-z][\w-]*)/g)].map((m) => m[1] as string);
  return { path, flags, words: rest.split(/[\s[\]|]+/).filter(Boolean) };
}

function forms(command: Command): Map<string, string> {
  const names = new Map<string, string>();
  for (const [name, option] of Object.entries(command.options)) {
    names.set(`--${name}`, name);
    if (option.short !== undefined) names.set(`-${option.short}`, name);
  }
  return names;
}

describe("the README's command block", () => {
  const shown = new Map<string, { flags: Set<string>; words: Set<string> }>();
  for (const line of usages(commandBlock())) {
    const { path, flags, words } = readUsage(line);
    const seen = shown.get(path) ?? { flags: new Set<string>(), words: new Set<string>() };
    for (const flag of flags) seen.flags.add(flag);
    for (const word of words) seen.words.add(word);
    shown.set(path, seen);
  }
  const defined = new Map(everyCommand().map(([path, command]) => [path.join(' '), command]));

  it('shows only commands that exist, and every one that does', () => {
    expect([...shown.keys()].filter((path) => !defined.has(path))).toEqual([]);
    expect([...defined.keys()].filter((path) => !shown.has(path))).toEqual([]);
  });

  it.each([...defined.keys()])('shows exactly the options and arguments of countersign %s', (path) => {
    const command = defined.get(path) as Command;
    const seen = shown.get(path) ?? { flags: new Set<string>(), words: new Set<string>() };
    const names = forms(command);
    expect(
      [...seen.flags].filter((flag) => !names.has(flag)),
      'options the README shows but it lacks',
    ).toEqual([]);
    const mentioned = new Set([...seen.flags].map((flag) => names.get(flag)));
    expect(
      Object.keys(command.options).filter((name) => !mentioned.has(name)),
      'options it takes but the README leaves out',
    ).toEqual([]);
    expect((command.arguments ?? []).filter((argument) => !seen.words.has(argument))).toEqual([]);
  });
});

describe('the environment variables the README and docs/deploy.md name', () => {
  const read = new Set([
    // Where the profiles are kept, read by the profile file itself rather than by an option.
    'COUNTERSIGN_PROFILES',
    ...everyCommand().flatMap(([, command]) => [
      ...Object.values(command.options).flatMap((option) => (option.env === undefined ? [] : [option.env])),
      ...(command.environment ?? []).map((variable) => variable.name),
    ]),
  ]);

  it.each(['README.md', 'docs/deploy.md'])('are all read by a command (%s)', (file) => {
    const text = readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
    const named = new Set(
      [...text.matchAll(/\b(?:COUNTERSIGN_[A-Z_]+|PORT|HOST|DATABASE_URL|REDIS_URL)\b/g)].map((m) => m[0]),
    );
    expect(named.size).toBeGreaterThan(3);
    expect([...named].filter((name) => !read.has(name))).toEqual([]);
  });
});
