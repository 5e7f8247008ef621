/**
 * `countersign authorize`: runs the three-legged dance against a provider — temporary credentials,
 * the authorization URL for the user, the verifier (by a callback to a local port, or the PIN for
 * `oob`), token credentials — and saves them as a profile for `countersign request`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import {
  type Credentials,
  isHttpUrl,
  OAuthClient,
  ProblemResponseError,
  ProviderAnswerError,
} from 'countersign/client';
import { CliError } from '../cli-error.js';
import { saveProfile } from '../profiles.js';

export const usage =
  'countersign authorize --site URL --consumer-key K --consumer-secret S [--scopes a,b] [--profile NAME]\n' +
  '                      [--port N | --oob]   # the verifier comes to http://127.0.0.1:N/callback, or as a PIN';

/** How long to wait for the user: a request token's default lifetime. */
const WAIT_MS = 300_000;

function listenForCallback(
  port: number,
): Promise<{ server: Server; url: string; verifier: Promise<string> }> {
  return new Promise((resolveServer, rejectServer) => {
    let deliver: (verifier: string) => void = () => {};
    let fail: (error: Error) => void = () => {};
    const verifier = new Promise<string>((resolve, reject) => {
      deliver = resolve;
      fail = reject;
    });
    const server = createServer((req, res) => {
      const query = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams;
      if (!req.url?.startsWith('/callback')) {
        res.writeHead(404).end();
        return;
      }
      const denied = query.get('oauth_problem');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        `<p>${denied ? 'Access was denied.' : 'Done: you can close this window and go back to the terminal.'}</p>`,
      );
      if (denied) fail(new CliError(`the provider answered ${denied}`));
      else deliver(query.get('oauth_verifier') ?? '');
    });
    server.once('error', (error) =>
      rejectServer(new CliError(`cannot listen on 127.0.0.1:${port}: ${error.message}`)),
    );
    server.listen(port, '127.0.0.1', () => {
      const { port: actual } = server.address() as AddressInfo;
      resolveServer({ server, url: `http://127.0.0.1:${actual}/callback`, verifier });
    });
  });
}

async function askPin(): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: false });
  try {
    process.stdout.write('Enter the PIN the provider showed: ');
    const pin = (await rl.question('')).trim();
    if (pin === '') throw new CliError('no PIN given');
    return pin;
  } finally {
    rl.close();
  }
}

function withTimeout<T>(promise: Promise<T>): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new CliError('timed out waiting for the user')), WAIT_MS).unref(),
    ),
  ]);
}

export async function authorize(args: string[], out: (line: string) => void): Promise<void> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      site: { type: 'string' },
      'consumer-key': { type: 'string' },
      'consumer-secret': { type: 'string' },
      scopes: { type: 'string' },
      profile: { type: 'string', default: 'default' },
      oob: { type: 'boolean', default: false },
      port: { type: 'string', default: '0' },
    },
  });
  const site = (values.site ?? '').replace(/\/+$/, '');
  if (!isHttpUrl(site)) throw new CliError('--site must be the provider URL, like http://localhost:3000');
  const consumerKey = values['consumer-key'];
  const consumerSecret = values['consumer-secret'];
  if (!consumerKey || !consumerSecret)
    throw new CliError('--consumer-key and --consumer-secret are required');
  const client = new OAuthClient({ consumerKey, consumerSecret });
  const scopes = values.scopes?.split(',').filter(Boolean);

  const port = Number(values.port);
  if (!/^\d+$/.test(values.port) || port > 65535) throw new CliError('--port must be a port number');
  const local = values.oob ? undefined : await listenForCallback(port);
  let request: Credentials;
  let viaCallback = local !== undefined;
  try {
    try {
      request = await client.initiate(`${site}/oauth/initiate`, local?.url ?? 'oob', scopes);
    } catch (error) {
      const callbackRefused =
        error instanceof ProblemResponseError &&
        error.is('parameter_rejected') &&
        error.parametersRejected.some(([n]) => n === 'oauth_callback');
      if (!local || !callbackRefused) throw error;
      out('The provider does not accept a local callback for this consumer; using a PIN (oob) instead.');
      viaCallback = false;
      request = await client.initiate(`${site}/oauth/initiate`, 'oob', scopes);
    }
    out('Open this URL in a browser, sign in and allow access:');
    out(`  ${client.authorizationUrl(`${site}/oauth/authorize`, request)}`);
    const verifier = viaCallback && local ? await withTimeout(local.verifier) : await askPin();
    const access = await client.exchange(`${site}/oauth/token`, request, verifier);
    const path = saveProfile(values.profile, {
      site,
      consumer_key: consumerKey,
      consumer_secret: consumerSecret,
      token: access.token,
      token_secret: access.secret,
    });
    out(`Authorized. Saved profile ${values.profile} to ${path} (readable only by you).`);
  } catch (error) {
    if (error instanceof ProblemResponseError)
      throw new CliError(`${error.problem}: ${error.advice ?? 'refused'}`);
    if (error instanceof ProviderAnswerError) throw new CliError(error.message);
    if (error instanceof TypeError) throw new CliError(`cannot reach ${site}: ${error.message}`);
    throw error;
  } finally {
    local?.server.close();
  }
}
