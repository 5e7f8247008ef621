/**
 * The kinds of option a command definition is made of (`option`, `flag`, `repeated`), and the value
 * parsers they take: each says what a value must be without repeating it, since a refused value may
 * be a database URL with its password.
 */
import { InvalidValueError } from './cli-error.js';
import type { Option } from './command-definition.js';

interface Common {
  readonly help: string;
  readonly short?: string;
  readonly env?: string;
}

interface ValueSpec<T> extends Common {
  readonly value: string;
  readonly parse: (text: string) => T;
  readonly required?: boolean;
  readonly default?: T;
  readonly defaultText?: string;
}

/**
 * An option taking a value; without `required` or `default` the command may see `undefined`.
 *
 * @example
 * ```ts
 * const port = option({ value: 'N', help: 'the port', env: 'PORT', parse: wholeNumber(0, 65535), default: 3000 });
 * ```
 */
export function option<T>(spec: ValueSpec<T> & { readonly required: true }): Option<T>;
export function option<T>(spec: ValueSpec<T> & { readonly default: T }): Option<T>;
export function option<T>(spec: ValueSpec<T>): Option<T | undefined>;
export function option<T>(spec: ValueSpec<T>): Option<T | undefined> {
  const shown = spec.default === undefined ? undefined : String(spec.default);
  return {
    type: 'string',
    help: spec.help,
    value: spec.value,
    short: spec.short,
    env: spec.env,
    required: spec.required,
    defaultText: spec.defaultText ?? shown,
    parse: spec.parse,
    fallback: spec.default,
  };
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

/** An option without a value: `true` when given (its variable, if any, says `true` or `false`). */
export function flag(spec: Common & { readonly required?: boolean }): Option<boolean> {
  return {
    type: 'boolean',
    help: spec.help,
    short: spec.short,
    env: spec.env,
    required: spec.required,
    parse: (text) => {
      const lower = text.toLowerCase();
      if (TRUE.has(lower)) return true;
      if (FALSE.has(lower)) return false;
      throw new InvalidValueError('must be true or false (or 1 or 0)');
    },
    fallback: false,
  };
}

/** An option that may be given many times: its values, in order (none when not given). */
export function repeated<T>(spec: Omit<ValueSpec<T>, 'env' | 'default' | 'required'>): Option<T[]> {
  return {
    type: 'string',
    help: spec.help,
    value: spec.value,
    short: spec.short,
    multiple: true,
    parse: spec.parse,
    fallback: [],
  };
}

/** Any text but the empty one. */
export function anyText(text: string): string {
  if (text === '') throw new InvalidValueError('must not be empty');
  return text;
}

/** A whole number from `min` to `max`, in decimal digits. */
export function wholeNumber(min: number, max: number): (text: string) => number {
  return (text) => {
    const n = Number(text);
    if (!/^\d{1,16}$/.test(text) || n < min || n > max)
      throw new InvalidValueError(`must be a whole number from ${min} to ${max}`);
    return n;
  };
}

/** Seconds from `min` to `max`, or `none` (`undefined`): no limit at all. */
export function secondsOrNone(min: number, max: number): (text: string) => number | undefined {
  const seconds = wholeNumber(min, max);
  return (text) => {
    if (text.toLowerCase() === 'none') return undefined;
    try {
      return seconds(text);
    } catch {
      throw new InvalidValueError(`must be a whole number of seconds from ${min} to ${max}, or none`);
    }
  };
}

const BYTE_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  k: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mib: 1024 ** 2,
};

/** A size in bytes: a whole number, optionally in KiB or MiB (`64k`, `10MiB`), from `min` to `max`. */
export function byteSize(min: number, max: number): (text: string) => number {
  const range = `from ${min} to ${max / 1024 ** 2} MiB`;
  return (text) => {
    const match = /^(\d{1,12})\s*([a-z]*)$/i.exec(text);
    const unit = BYTE_UNITS[match?.[2]?.toLowerCase() ?? 'none'];
    const bytes = unit === undefined ? NaN : Number(match?.[1]) * unit;
    if (!(bytes >= min && bytes <= max))
      throw new InvalidValueError(`must be a number of bytes (or KiB with k, MiB with m) ${range}`);
    return bytes;
  };
}

/** A URL of one of `schemes` (`postgres`, `redis`, …). */
export function urlWithScheme(schemes: readonly string[], example: string): (text: string) => string {
  return (text) => {
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
    if (scheme === undefined || !schemes.includes(scheme) || !URL.canParse(text))
      throw new InvalidValueError(
        `must be a ${schemes.map((s) => `${s}://`).join(' or ')} URL, like ${example}`,
      );
    return text;
  };
}

/** An absolute http or https URL without a query or fragment: a base that paths go under. */
export function baseUrl(example: string): (text: string) => string {
  return (text) => {
    const url = URL.canParse(text) ? new URL(text) : undefined;
    if (!url || !/^https?:$/.test(url.protocol) || url.search !== '' || url.hash !== '' || /[?#]/.test(text))
      throw new InvalidValueError(`must be an http or https URL without a query, like ${example}`);
    return text;
  };
}

/** A comma-separated list; blanks are dropped. */
export function commaList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}
