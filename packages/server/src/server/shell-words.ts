/**
 * Splitting a pasted command line into words as a POSIX shell would, for the commands browsers and
 * API tools copy ("Copy as cURL"): white space between words, `'…'` kept as it is, `"…"` with `\`
 * escaping `"`, `\`, `$` and a backquote, `$'…'` with C escapes, and a `\` at the end of a line
 * joining it to the next. Variables and substitutions are not expanded: a command that needs them
 * is refused, rather than read as something it is not.
 */

const C_ESCAPES: Readonly<Record<string, string>> = {
  n: '\n',
  r: '\r',
  t: '\t',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '?': '?',
  a: '\u0007',
  b: '\b',
  e: '\u001b',
  f: '\f',
  v: '\v',
};

interface Cursor {
  readonly text: string;
  at: number;
}

/** `'…'`: everything up to the next `'`. */
function singleQuoted(c: Cursor): string | undefined {
  const end = c.text.indexOf("'", c.at);
  if (end < 0) return undefined;
  const word = c.text.slice(c.at, end);
  c.at = end + 1;
  return word;
}

/** `"…"`: `\` escapes `"`, `\`, `$`, a backquote and a line end; `$` and a backquote are refused. */
function doubleQuoted(c: Cursor): string | undefined | Error {
  let word = '';
  while (c.at < c.text.length) {
    const ch = c.text[c.at++] as string;
    if (ch === '"') return word;
    if (ch === '$' || ch === '`') return new Error('a variable or command substitution');
    if (ch === '\\' && '"\\$`\n'.includes(c.text[c.at] ?? '')) {
      const next = c.text[c.at++] as string;
      if (next !== '\n') word += next;
    } else word += ch;
  }
  return undefined;
}

/** `$'…'`: C escapes, `\xHH` among them. */
function ansiQuoted(c: Cursor): string | undefined {
  let word = '';
  while (c.at < c.text.length) {
    const ch = c.text[c.at++] as string;
    if (ch === "'") return word;
    if (ch !== '\\') {
      word += ch;
      continue;
    }
    const next = c.text[c.at++] ?? '';
    const hex = /^x([0-9A-Fa-f]{1,2})/.exec(c.text.slice(c.at - 1));
    if (hex) {
      word += String.fromCharCode(Number.parseInt(hex[1] as string, 16));
      c.at += (hex[1] as string).length;
    } else word += C_ESCAPES[next] ?? `\\${next}`;
  }
  return undefined;
}

/**
 * The words of `text`, or why it cannot be split (an unclosed quote, a substitution).
 *
 * @example
 * ```ts
 * shellWords(`curl -H 'Accept: text/plain' "http://a.example/?q=1"`); // ['curl', '-H', 'Accept: text/plain', 'http://a.example/?q=1']
 * ```
 */
export function shellWords(text: string): string[] | string {
  const c: Cursor = { text: text.replace(/\r\n/g, '\n'), at: 0 };
  const words: string[] = [];
  let word: string | undefined;
  while (c.at < c.text.length) {
    const ch = c.text[c.at++] as string;
    let part: string | undefined | Error;
    if (/\s/.test(ch)) {
      if (word !== undefined) words.push(word);
      word = undefined;
      continue;
    }
    if (ch === '\\') {
      const next = c.text[c.at++] ?? '';
      if (next === '\n') continue;
      part = next;
    } else if (ch === "'") part = singleQuoted(c);
    else if (ch === '"') part = doubleQuoted(c);
    else if (ch === '$' && c.text[c.at] === "'") {
      c.at++;
      part = ansiQuoted(c);
    } else if ('$`'.includes(ch)) part = new Error('a variable or command substitution');
    else if (';|&<>()'.includes(ch))
      return `The command goes on past curl (${ch}); paste the curl command alone.`;
    else part = ch;
    if (part === undefined) return 'The command has a quote that is not closed.';
    if (part instanceof Error)
      return `The command has ${part.message}; paste it with the values written out.`;
    word = (word ?? '') + part;
  }
  if (word !== undefined) words.push(word);
  return words;
}
