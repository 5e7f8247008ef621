/**
 * `countersign request`: like twurl — sends a signed request with a saved profile and prints the
 * status and body. On a problem it prints the problem, the advice, and the server's base string
 * beside the client's with the first difference marked.
 */
import { parseArgs } from 'node:util';
import { compareBaseStrings, isHttpUrl, OAuthClient, readProblem } from 'countersign/client';
import { CliError, keyValue } from '../cli-error.js';
import { loadProfile } from '../profiles.js';

export const usage = "countersign request [-X METHOD] [-d k=v ...] [-H 'Name: value'] [--profile NAME] URL";

function header(text: string): [string, string] {
  const colon = text.indexOf(':');
  if (colon <= 0) throw new CliError(`-H takes 'Name: value', got ${JSON.stringify(text)}`);
  return [text.slice(0, colon).trim().toLowerCase(), text.slice(colon + 1).trim()];
}

export async function request(args: string[], out: (line: string) => void): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: {
      method: { type: 'string', short: 'X' },
      data: { type: 'string', short: 'd', multiple: true, default: [] },
      header: { type: 'string', short: 'H', multiple: true, default: [] },
      profile: { type: 'string' },
    },
  });
  if (positionals.length !== 1) throw new CliError(`usage: ${usage}`);
  const profile = loadProfile(values.profile);
  const target = positionals[0] as string;
  // An absolute URL is taken as it is; anything else is a path on the profile's site.
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(target)
    ? target
    : `${profile.site.replace(/\/+$/, '')}/${target.replace(/^\/+/, '')}`;
  if (!isHttpUrl(url)) throw new CliError(`not an http or https URL: ${JSON.stringify(url)}`);
  const form = values.data.map((d) => keyValue('-d', d));
  const headers = Object.fromEntries(values.header.map(header));
  const method = (values.method ?? (form.length > 0 ? 'POST' : 'GET')).toUpperCase();
  const client = new OAuthClient({
    consumerKey: profile.consumer_key,
    consumerSecret: profile.consumer_secret,
  });
  let sent: Awaited<ReturnType<OAuthClient['send']>>;
  try {
    sent = await client.send(url, {
      method,
      token: { token: profile.token, secret: profile.token_secret },
      headers,
      ...(form.length > 0 ? { form } : {}),
    });
  } catch (error) {
    throw new CliError(`cannot reach ${url}: ${(error as Error).message}`);
  }
  const { response, signed } = sent;
  out(`HTTP ${response.status} ${response.statusText}`);
  const problem = await readProblem(response);
  const body = await response.text();
  if (body !== '') out(body);
  if (problem) {
    out('');
    out(
      `problem: ${problem.problem}${problem.problemCode === undefined ? '' : ` (code ${problem.problemCode})`}`,
    );
    if (problem.advice) out(`advice:  ${problem.advice}`);
    if (problem.baseString !== undefined)
      for (const line of compareBaseStrings(
        problem.baseString,
        signed.baseString,
        100,
        problem.baseStringOmitted,
      ))
        out(line);
  }
  if (!response.ok) process.exitCode = 1;
}
