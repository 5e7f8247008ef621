/**
 * `countersign request`: like twurl — sends a signed request with a saved profile and prints the
 * status and body. On a problem it prints the problem, the advice, and the server's base string
 * beside the client's with the first difference marked. `-v` also shows, on stderr as curl does,
 * the base string, the request's headers (its `Authorization` included) and the answer's status
 * line and headers; never a consumer or token secret.
 */
import { readFileSync } from 'node:fs';
import {
  compareBaseStrings,
  isHttpUrl,
  OAuthClient,
  type ProblemResponseError,
  readProblem,
  type SignedRequest,
} from 'countersign/client';
import { CliError, keyValue } from '../cli-error.js';
import { type CommandIo, command } from '../command-definition.js';
import { anyText, flag, option, repeated } from '../option-types.js';
import { loadProfile, type Profile } from '../profiles.js';

function header(text: string): [string, string] {
  const colon = text.indexOf(':');
  if (colon <= 0) throw new CliError(`-H takes 'Name: value', got ${JSON.stringify(text)}`);
  return [text.slice(0, colon).trim().toLowerCase(), text.slice(colon + 1).trim()];
}

/** The body `--data-binary` names: the text itself, `@FILE`'s bytes, or standard input's for `@-`. */
function binaryBody(value: string): string | Buffer {
  if (!value.startsWith('@')) return value;
  const file = value.slice(1);
  try {
    return readFileSync(file === '-' ? 0 : file);
  } catch (error) {
    throw new CliError(`cannot read --data-binary ${value}: ${(error as Error).message}`);
  }
}

/** What a form body is: its parameters are signed, so it cannot be sent as a hashed body. */
const FORM_TYPE = /^application\/x-www-form-urlencoded\s*(;|$)/i;

/** The body of `--data-binary`, of `type` (default `application/octet-stream`), or none. */
function hashedBody(
  value: string | undefined,
  type = 'application/octet-stream',
): { type: string; data: string | Buffer } | undefined {
  if (value === undefined) return undefined;
  if (FORM_TYPE.test(type))
    throw new CliError('a form body is signed as parameters, not by oauth_body_hash: send it with -d k=v');
  return { type, data: binaryBody(value) };
}

/** An absolute URL as it is; anything else is a path on the profile's site. */
function targetUrl(profile: Profile, target: string): string {
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(target)
    ? target
    : `${profile.site.replace(/\/+$/, '')}/${target.replace(/^\/+/, '')}`;
  if (!isHttpUrl(url)) throw new CliError(`not an http or https URL: ${JSON.stringify(url)}`);
  return url;
}

/** The problem, its advice, and the server's base string beside this client's. */
function showProblem(io: CommandIo, problem: ProblemResponseError, signed: SignedRequest): void {
  const code = problem.problemCode === undefined ? '' : ` (code ${problem.problemCode})`;
  io.out('');
  io.out(`problem: ${problem.problem}${code}`);
  if (problem.advice) io.out(`advice:  ${problem.advice}`);
  if (problem.baseString === undefined) return;
  for (const line of compareBaseStrings(
    problem.baseString,
    signed.baseString,
    100,
    problem.baseStringOmitted,
  ))
    io.out(line);
}

/** The secrets of the profile, which no line of `-v` may show (short ones would mask at random). */
function masker(profile: Profile): (text: string) => string {
  const secrets = [profile.consumer_secret, profile.token_secret].filter(
    (secret): secret is string => secret !== undefined && secret.length >= 8,
  );
  return (text) => secrets.reduce((masked, secret) => masked.replaceAll(secret, '[secret]'), text);
}

function showRequest(
  io: CommandIo,
  mask: (text: string) => string,
  sent: {
    method: string;
    url: string;
    headers: Record<string, string>;
    signed: SignedRequest;
    bytes: number;
  },
): void {
  const url = new URL(sent.url);
  const lines = [
    `* signature base string: ${sent.signed.baseString}`,
    `> ${sent.method} ${url.pathname}${url.search} HTTP/1.1`,
    `> Host: ${url.host}`,
    ...Object.entries(sent.headers).map(([name, value]) => `> ${name}: ${value}`),
    ...(sent.bytes > 0 ? [`> (a body of ${sent.bytes} bytes)`] : []),
    '>',
  ];
  for (const line of lines) io.err(mask(line));
}

function showResponse(io: CommandIo, mask: (text: string) => string, response: Response): void {
  io.err(`< HTTP/1.1 ${response.status} ${response.statusText}`);
  for (const [name, value] of response.headers) io.err(mask(`< ${name}: ${value}`));
  io.err('<');
}

export const request = command({
  summary: 'Sends a request signed with a saved profile, and prints the status and the body (like twurl)',
  description:
    "URL is absolute, or a path on the profile's site. A refused request shows its problem, the\n" +
    "advice, and the server's base string beside this client's with the first difference marked.",
  arguments: ['URL'],
  options: {
    method: option({
      value: 'METHOD',
      short: 'X',
      help: 'the HTTP method (default GET; POST with a body)',
      parse: anyText,
    }),
    data: repeated({
      value: 'k=v',
      short: 'd',
      help: 'a form parameter, sent in the body and signed',
      parse: anyText,
    }),
    'data-binary': option({
      value: 'VALUE|@FILE',
      help: 'a body sent as it is and covered by oauth_body_hash: the text, a file, or @- for standard input',
      parse: (text) => text,
    }),
    'content-type': option({
      value: 'TYPE',
      help: 'the content type of --data-binary (default application/octet-stream)',
      parse: anyText,
    }),
    header: repeated({ value: "'Name: value'", short: 'H', help: 'a header to send', parse: anyText }),
    profile: option({
      value: 'NAME',
      env: 'COUNTERSIGN_PROFILE',
      help: 'the profile to sign with (default: the default profile; see countersign profile list)',
      parse: anyText,
    }),
    verbose: flag({
      short: 'v',
      help: 'show the base string, the headers sent and the status line and headers received (on stderr)',
    }),
  },
  exclusive: [['data', 'data-binary']],
  async run(values, [target = ''], io) {
    const profile = loadProfile(values.profile, io.env);
    const url = targetUrl(profile, target);
    const form = values.data.map((d) => keyValue('-d', d));
    const headers = Object.fromEntries(values.header.map(header));
    const body = hashedBody(values['data-binary'], values['content-type'] ?? headers['content-type']);
    if (values['content-type'] !== undefined && body === undefined)
      throw new CliError('--content-type is the type of a --data-binary body; give one');
    const method = (values.method ?? (form.length > 0 || body ? 'POST' : 'GET')).toUpperCase();
    const client = new OAuthClient({
      consumerKey: profile.consumer_key,
      consumerSecret: profile.consumer_secret,
    });
    const token =
      profile.token === undefined ? undefined : { token: profile.token, secret: profile.token_secret ?? '' };
    const init = { method, token, headers, ...(form.length > 0 ? { form } : {}), ...(body ? { body } : {}) };
    let sent: Awaited<ReturnType<OAuthClient['send']>>;
    try {
      sent = await client.send(url, init);
    } catch (error) {
      throw new CliError(`cannot reach ${url}: ${(error as Error).message}`);
    }
    const { response, signed } = sent;
    if (values.verbose) {
      const mask = masker(profile);
      const sentHeaders: Record<string, string> = { ...headers, authorization: signed.authorization };
      if (form.length > 0) sentHeaders['content-type'] = 'application/x-www-form-urlencoded';
      if (body) sentHeaders['content-type'] = body.type;
      const bytes = body ? Buffer.byteLength(body.data) : 0;
      showRequest(io, mask, { method, url, headers: sentHeaders, signed, bytes });
      showResponse(io, mask, response);
    }
    io.out(`HTTP ${response.status} ${response.statusText}`);
    const problem = await readProblem(response);
    const text = await response.text();
    if (text !== '') io.out(text);
    if (problem) showProblem(io, problem, signed);
    // An HTTP error is not a bad command line (2), but a script must see it.
    return response.ok ? 0 : 1;
  },
});
