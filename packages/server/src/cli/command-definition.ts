/**
 * One definition per command: its arguments and its options — each option's flag, short form,
 * environment variable, value placeholder, type, default and help — from which the parser
 * (`parse-command-line.ts`), `--help` and the usage lines (`help-text.ts`) are all made, and
 * against which a test checks the README's command block. Adding an option is one entry here.
 */

/** Where a command writes: `out` is stdout (results), `err` is stderr (progress, diagnostics). */
export interface CommandIo {
  out(line: string): void;
  err(line: string): void;
  /** The environment options are read from (the process's, unless a test gives another). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** One option. `V` is what the command sees: the parsed value, or its fallback. */
export interface Option<V = unknown> {
  readonly type: 'string' | 'boolean';
  readonly help: string;
  /** The value's placeholder in usage lines (`N`, `URL`), for string options. */
  readonly value?: string | undefined;
  /** A one-letter form (`-X`), shown in usage lines instead of the long one. */
  readonly short?: string | undefined;
  /** The environment variable it is read from when the flag is not given. */
  readonly env?: string | undefined;
  /** Whether it may be given more than once (the values are collected in order). */
  readonly multiple?: boolean | undefined;
  /** Whether the command refuses to run without it. */
  readonly required?: boolean | undefined;
  /** The default as the help shows it, when there is one. */
  readonly defaultText?: string | undefined;
  /** The value for the text of a flag or variable; throws `InvalidValueError`. */
  readonly parse: (text: string) => unknown;
  /** The value when neither the flag nor the variable is given. */
  readonly fallback: V;
}

export type Options = Readonly<Record<string, Option>>;

/** What a command's options come to. */
export type Values<O extends Options> = { readonly [K in keyof O]: O[K] extends Option<infer V> ? V : never };

/** A variable read from the environment only, never from a flag (a secret that `ps` would show). */
export interface EnvironmentOnly {
  readonly name: string;
  readonly help: string;
}

/** What `run` may return: an exit code, or nothing for 0. */
export type RunResult = number | undefined | void;

export interface CommandDefinition<O extends Options> {
  /** One line, for the list of commands. */
  readonly summary: string;
  /** More, for `--help`: paragraphs separated by blank lines. */
  readonly description?: string | undefined;
  /** The placeholders of its positional arguments, in order (`NAME`, `URL`); each is required. */
  readonly arguments?: readonly string[] | undefined;
  readonly options: O;
  /** Options of which at most one may be given; a flag given also hides the others' variables. */
  readonly exclusive?: readonly (readonly (keyof O & string)[])[] | undefined;
  readonly environment?: readonly EnvironmentOnly[] | undefined;
  /** What it prints, shown as a `#` comment after its usage line. */
  readonly prints?: string | undefined;
  /** Runs it; the exit code is 0 unless it returns another (2 is for bad input, thrown as `CliError`). */
  run(values: Values<O>, positionals: readonly string[], io: CommandIo): RunResult | Promise<RunResult>;
}

/** A command as the dispatcher holds it, its option types erased. */
export type Command = CommandDefinition<Options> & { readonly kind: 'command' };

/** A command with subcommands (`user add`, `user suspend`, …). */
export interface CommandGroup {
  readonly kind: 'group';
  readonly summary: string;
  readonly subcommands: Readonly<Record<string, Command>>;
}

export type Entry = Command | CommandGroup;

/**
 * A command; the types of `run`'s values follow from `options`.
 *
 * @example
 * ```ts
 * const hello = command({
 *   summary: 'greets',
 *   options: { name: text({ value: 'NAME', help: 'who', default: 'world' }) },
 *   run: ({ name }, _positionals, io) => io.out(`hello ${name}`),
 * });
 * ```
 */
export function command<O extends Options>(definition: CommandDefinition<O>): Command {
  return { ...definition, kind: 'command' } as unknown as Command;
}

export function group(summary: string, subcommands: Readonly<Record<string, Command>>): CommandGroup {
  return { kind: 'group', summary, subcommands };
}
