/**
 * `countersign authorize`: runs the three-legged dance against a provider — temporary credentials,
 * the authorization URL for the user, the verifier (by a callback to a local port, or the PIN for
 * `oob`), token credentials — and saves them as a profile for `countersign request`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline/promises';
import {
  type Credentials,
  isHttpUrl,
  OAuthClient,
  ProblemResponseError,
  ProviderAnswerError,
} from 'countersign/client';
import { CliError, InvalidValueError } from '../cli-error.js';
import { command } from '../command-definition.js';
import { anyText, commaList, flag, option, wholeNumber } from '../option-types.js';
import { saveProfile } from '../profiles.js';

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

/** The provider's site: where its /oauth endpoints are. */
export function siteUrl(text: string): string {
  const site = text.replace(/\/+$/, '');
  if (!isHttpUrl(site)) throw new InvalidValueError('must be the provider URL, like http://localhost:3000');
  return site;
}

/** The consumer's credentials, as `authorize` and `profile add` take them. */
export const CONSUMER_OPTIONS = {
  site: option({
    value: 'URL',
    help: 'the provider, like http://localhost:3000',
    parse: siteUrl,
    required: true,
  }),
  'consumer-key': option({ value: 'K', help: 'the consumer key', parse: anyText, required: true }),
  'consumer-secret': option({
    value: 'S',
    env: 'COUNTERSIGN_CONSUMER_SECRET',
    help: 'the consumer secret',
    parse: anyText,
    required: true,
  }),
};

export const authorize = command({
  summary: 'Runs the three-legged dance against a provider and saves the token as a profile',
  description:
    'The verifier comes back to http://127.0.0.1:N/callback (--port; any free port by default), or is\n' +
    'typed in as a PIN with --oob (or when the provider refuses a local callback). The profile is\n' +
    'saved in ~/.countersign-profiles.json (mode 0600; COUNTERSIGN_PROFILES moves it) and made the default.',
  options: {
    ...CONSUMER_OPTIONS,
    scopes: option({
      value: 'a,b',
      help: 'the scopes to ask for (default: every scope allowed)',
      parse: commaList,
    }),
    profile: option({ value: 'NAME', help: 'the profile to save', parse: anyText, default: 'default' }),
    port: option({
      value: 'N',
      help: 'the local callback port (0: any free port)',
      parse: wholeNumber(0, 65535),
      default: 0,
    }),
    oob: flag({ help: 'ask for a PIN instead of a local callback' }),
  },
  exclusive: [['port', 'oob']],
  async run(values, _positionals, io) {
    const { site, scopes, profile } = values;
    const consumerKey = values['consumer-key'];
    const consumerSecret = values['consumer-secret'];
    const client = new OAuthClient({ consumerKey, consumerSecret });
    const local = values.oob ? undefined : await listenForCallback(values.port);
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
        io.out('The provider does not accept a local callback for this consumer; using a PIN (oob) instead.');
        viaCallback = false;
        request = await client.initiate(`${site}/oauth/initiate`, 'oob', scopes);
      }
      io.out('Open this URL in a browser, sign in and allow access:');
      io.out(`  ${client.authorizationUrl(`${site}/oauth/authorize`, request)}`);
      const verifier = viaCallback && local ? await withTimeout(local.verifier) : await askPin();
      const access = await client.exchange(`${site}/oauth/token`, request, verifier);
      const path = saveProfile(
        profile,
        {
          site,
          consumer_key: consumerKey,
          consumer_secret: consumerSecret,
          token: access.token,
          token_secret: access.secret,
        },
        io.env,
      );
      io.out(`Authorized. Saved profile ${profile} to ${path} (readable only by you).`);
    } catch (error) {
      if (error instanceof ProblemResponseError)
        throw new CliError(`${error.problem}: ${error.advice ?? 'refused'}`);
      if (error instanceof ProviderAnswerError) throw new CliError(error.message);
      if (error instanceof TypeError) throw new CliError(`cannot reach ${site}: ${error.message}`);
      throw error;
    } finally {
      local?.server.close();
    }
  },
});
