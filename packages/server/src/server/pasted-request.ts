/**
 * A request a developer pasted into the signature doctor, read into the request the engine reads:
 * an HTTP request as text (request line, headers, a blank line, the body), or a curl command (the
 * options that shape the request: -X, -H, -d and its kin, --data-urlencode, -G, the URL; options
 * that only change how curl behaves are skipped). Anything else is a one-line reason, never a guess.
 */
import { type OAuthRequest, percentEncode, splitUrl } from 'countersign';
import { shellWords } from './shell-words.js';

/** A pasted request, or why it could not be read. */
export type Pasted = { readonly request: OAuthRequest } | { readonly error: string };

/** How many header lines a pasted request may have. */
const MAX_HEADERS = 100;

type HeaderMap = Record<string, string | string[]>;

function addHeader(headers: HeaderMap, line: string): string | undefined {
  const colon = line.indexOf(':');
  if (colon <= 0) return `${JSON.stringify(line.slice(0, 60))} is not a header line ("Name: value").`;
  const name = line.slice(0, colon).trim().toLowerCase();
  const value = line.slice(colon + 1).trim();
  const had = headers[name];
  headers[name] = had === undefined ? value : [had, value].flat();
  return undefined;
}

const REQUEST_LINE = /^([A-Za-z]+) +((?:https?:\/\/|\/)\S*)(?: +HTTP\/\d(?:\.\d)?)?$/i;

/**
 * An HTTP request as text. `secure` is the scheme the request was sent with when its target does
 * not say (the console's own).
 */
export function parseHttpText(text: string, secure: boolean): Pasted {
  const [head = '', ...rest] = text.replace(/^\s+/, '').split(/\r?\n\r?\n/);
  const lines = head.split(/\r?\n/);
  const requestLine = REQUEST_LINE.exec(lines[0]?.trim() ?? '');
  if (!requestLine)
    return {
      error:
        'The first line is not a request line such as "POST /oauth/initiate HTTP/1.1" (a method, then a path or an http(s) URL).',
    };
  const [, method = '', target = ''] = requestLine;
  const headers: HeaderMap = {};
  const fields = lines.slice(1);
  if (fields.length > MAX_HEADERS) return { error: `The request has more than ${MAX_HEADERS} header lines.` };
  for (let i = 0; i < fields.length; i++) {
    // A line that starts with white space continues the header before it (obs-fold).
    let line = fields[i] as string;
    if (line.trim() === '') continue;
    while (/^[ \t]/.test(fields[i + 1] ?? '')) line += ` ${(fields[++i] as string).trim()}`;
    const fault = addHeader(headers, line);
    if (fault) return { error: fault };
  }
  const absolute = /^https?:\/\//i.test(target);
  const body = rest.join('\n\n').replace(/[\r\n]+$/, '');
  return {
    request: {
      method: method.toUpperCase(),
      target,
      headers,
      secure: absolute ? /^https:/i.test(target) : secure,
      ...(body === '' ? {} : { body }),
    },
  };
}

/** curl options that do not change the request's signature, and whether each takes a value. */
const SKIPPED: Readonly<Record<string, boolean>> = {
  '--compressed': false,
  '--insecure': false,
  '--location': false,
  '--silent': false,
  '--show-error': false,
  '--verbose': false,
  '--include': false,
  '--globoff': false,
  '--fail': false,
  '--no-buffer': false,
  '--http1.1': false,
  '--http2': false,
  '--user-agent': true,
  '--referer': true,
  '--cookie': true,
  '--output': true,
  '--max-time': true,
  '--connect-timeout': true,
};
const SHORT_SKIPPED = new Set('ksSvLigfN');
const SHORT_WITH_VALUE: Readonly<Record<string, string>> = {
  X: '--request',
  H: '--header',
  d: '--data',
  A: '--user-agent',
  e: '--referer',
  b: '--cookie',
  o: '--output',
  m: '--max-time',
};
const DATA = new Set(['--data', '--data-ascii', '--data-binary', '--data-raw', '--data-urlencode']);

/** `--data-urlencode`'s forms: `content`, `=content`, `name=content` (the content is encoded). */
function urlencoded(value: string): string {
  const eq = value.indexOf('=');
  if (eq < 0) return percentEncode(value);
  return `${value.slice(0, eq)}${eq === 0 ? '' : '='}${percentEncode(value.slice(eq + 1))}`;
}

interface CurlParts {
  method?: string;
  url?: string;
  get: boolean;
  data: string[];
  headers: HeaderMap;
}

/** Takes one option (and its value); returns why it cannot be, if it cannot. */
function takeOption(parts: CurlParts, option: string, value: string | undefined): string | undefined {
  if (value === undefined) return `curl's ${option} needs a value.`;
  if (option === '--request') parts.method = value;
  else if (option === '--header') return addHeader(parts.headers, value);
  else if (option === '--url') parts.url = value;
  else if (DATA.has(option)) {
    if (value.startsWith('@') && option !== '--data-raw')
      return `curl's ${option} ${value.slice(0, 40)} reads a file, which the doctor cannot see; paste the data itself.`;
    parts.data.push(option === '--data-urlencode' ? urlencoded(value) : value);
  }
  return undefined;
}

function readCurl(words: readonly string[]): CurlParts | string {
  const parts: CurlParts = { get: false, data: [], headers: {} };
  for (let i = 1; i < words.length; i++) {
    const word = words[i] as string;
    let option = word;
    let value: string | undefined;
    if (/^-[A-Za-z]/.test(word) && !word.startsWith('--')) {
      const letter = word[1] as string;
      if ([...word.slice(1)].every((c) => SHORT_SKIPPED.has(c))) continue;
      if (letter === 'G') {
        parts.get = true;
        continue;
      }
      const long = SHORT_WITH_VALUE[letter];
      if (long === undefined) return `curl's option ${word} is not one the doctor reads.`;
      option = long;
      value = word.length > 2 ? word.slice(2) : words[++i];
    } else if (word === '--get') {
      parts.get = true;
      continue;
    } else if (word.startsWith('--')) {
      const skipped = SKIPPED[word];
      if (skipped !== undefined) {
        if (skipped) i++;
        continue;
      }
      if (!['--request', '--header', '--url'].includes(word) && !DATA.has(word))
        return `curl's option ${word} is not one the doctor reads.`;
      value = words[++i];
    } else {
      if (parts.url !== undefined)
        return `curl was given two URLs: ${parts.url.slice(0, 60)} and ${word.slice(0, 60)}.`;
      parts.url = word;
      continue;
    }
    const fault = takeOption(parts, option, value);
    if (fault) return fault;
  }
  return parts;
}

/** A curl command line, as a shell would split it. */
export function parseCurl(command: string): Pasted {
  const words = shellWords(command);
  if (typeof words === 'string') return { error: words };
  const parts = readCurl(words);
  if (typeof parts === 'string') return { error: parts };
  if (parts.url === undefined) return { error: 'The curl command has no URL.' };
  let url: ReturnType<typeof splitUrl>;
  try {
    url = splitUrl(parts.url);
  } catch {
    return { error: `${JSON.stringify(parts.url.slice(0, 80))} is not an absolute URL.` };
  }
  if (!/^https?$/i.test(url.scheme)) return { error: 'The doctor reads http and https URLs only.' };
  const data = parts.data.join('&');
  let query = url.query;
  if (parts.get && data !== '') query = query === '' ? data : `${query}&${data}`;
  const hasBody = !parts.get && parts.data.length > 0;
  const headers = { ...parts.headers };
  headers.host ??= url.host;
  if (hasBody) headers['content-type'] ??= 'application/x-www-form-urlencoded';
  const method = (parts.method ?? (hasBody ? 'POST' : 'GET')).toUpperCase();
  return {
    request: {
      method,
      target: `${url.path === '' ? '/' : url.path}${query === '' && !parts.url.includes('?') ? '' : `?${query}`}`,
      headers,
      secure: url.scheme.toLowerCase() === 'https',
      ...(hasBody ? { body: data } : {}),
    },
  };
}

/**
 * A pasted request in either form: a curl command if it starts with `curl`, else HTTP text.
 *
 * @example
 * ```ts
 * const pasted = parsePastedRequest("curl -X POST 'http://localhost:3000/oauth/initiate' -H 'Authorization: OAuth …'", false);
 * if ('error' in pasted) console.log(pasted.error);
 * ```
 */
export function parsePastedRequest(text: string, secure: boolean): Pasted {
  return /^\s*curl(?:\.exe)?\s/.test(text) ? parseCurl(text) : parseHttpText(text, secure);
}
