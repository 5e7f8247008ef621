/**
 * The fuzz suite's world: a real `countersign serve` on SQLite in a temp dir, and the credentials a
 * mostly-valid request needs — a consumer and its access token (owned by bob), an LMS for launches, a request token with
 * its verifier, one without a decision, a signed-in page session with a CSRF token and cookie, and an
 * application of that session's user for the console actions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signRequest } from '../../packages/countersign/src/client/sign-request.js';
import { parseFormEncoded } from '../../packages/countersign/src/core/parameters.js';
import { runCli, type ServerProcess, startServer } from '../support/processes.js';

export interface Credentials {
  readonly token: string;
  readonly secret: string;
}

export interface World {
  readonly server: ServerProcess;
  /** Where requests go: `127.0.0.1` and the server's port. */
  readonly port: number;
  /** What clients sign and send as `Host` (`http://localhost:PORT`). */
  readonly origin: string;
  readonly consumer: { readonly key: string; readonly secret: string };
  /** An LMS (an LTI consumer), for launches. */
  readonly lms: { readonly key: string; readonly secret: string };
  readonly access: Credentials;
  readonly request: Credentials & { readonly verifier: string };
  /** A request token nobody has decided on, for the consent page. */
  readonly undecided: string;
  /** The `cs_session` and `_csrf` cookies of a signed-in user, as one `Cookie` header. */
  readonly cookie: string;
  readonly csrfToken: string;
  /** An application of the signed-in user, for the console's actions. */
  readonly ownApp: string;
  /** What the server wrote to its stderr (its log lines), for the failure messages. */
  readonly log: () => string;
  close(): Promise<void>;
}

const form = (text: string) =>
  Object.fromEntries(parseFormEncoded(text, 'body').map((p) => [p.name, p.value]));

const setCookies = (response: Response) =>
  response.headers.getSetCookie().map((line) => line.split(';')[0] ?? '');

export async function createWorld(): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'countersign-fuzz-'));
  const flags = ['--db', join(dir, 'countersign.db')];
  runCli(['user', 'add', 'bob', '--password-stdin', ...flags], 'correct horse battery\n');
  runCli(['user', 'add', 'fuzzer', '--password-stdin', ...flags], 'plum kettle wander\n');
  const consumer = JSON.parse(
    runCli([
      ...['consumer', 'add', '--name', 'Fuzzed client', '--owner', 'bob', '--callback', 'oob'],
      ...['--scopes', 'read_public,read_private,write_private', '--two-legged'],
      ...['--methods', 'HMAC-SHA1,HMAC-SHA256,PLAINTEXT', '--json', ...flags],
    ]),
  ) as { key: string; secret: string };
  const lms = JSON.parse(
    runCli([
      ...[
        'consumer',
        'add',
        '--name',
        'Fuzzed LMS',
        '--owner',
        'bob',
        '--lti',
        '--key',
        'fuzzed-lms.example',
      ],
      ...['--methods', 'HMAC-SHA1,HMAC-SHA256,PLAINTEXT', '--json', ...flags],
    ]),
  ) as { key: string; secret: string };
  const ownApp = (
    JSON.parse(
      runCli([
        ...['consumer', 'add', '--name', 'Fuzzer app', '--owner', 'fuzzer', '--callback', 'oob'],
        ...['--json', ...flags],
      ]),
    ) as { key: string }
  ).key;
  // Trusting proxy headers puts their parsing within the fuzzer's reach too.
  const server = await startServer([...flags, '--trust-proxy']);
  let log = '';
  server.process.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-200_000);
  });
  const port = Number(new URL(server.url).port);
  const origin = server.url;

  const post = async (path: string, extra: Record<string, string>, token?: Credentials) => {
    const signed = signRequest({
      method: 'POST',
      url: origin + path,
      consumerKey: consumer.key,
      consumerSecret: consumer.secret,
      ...(token ? { token: token.token, tokenSecret: token.secret } : {}),
      extra,
    });
    const response = await fetch(origin + path, {
      method: 'POST',
      headers: { authorization: signed.authorization },
    });
    const answer = form(await response.text());
    if (response.status !== 200) throw new Error(`${path} answered ${response.status}`);
    return { token: answer.oauth_token ?? '', secret: answer.oauth_token_secret ?? '' };
  };
  const initiate = () => post('/oauth/initiate', { oauth_callback: 'oob' });
  const approve = (token: string) =>
    (
      JSON.parse(runCli(['approve', '--token', token, '--user', 'bob', '--json', ...flags])) as {
        verifier: string;
      }
    ).verifier;

  const first = await initiate();
  const access = await post('/oauth/token', { oauth_verifier: approve(first.token) }, first);
  const pending = await initiate();
  const request = { ...pending, verifier: approve(pending.token) };
  const undecided = (await initiate()).token;

  const loginPage = await fetch(`${origin}/login`);
  const csrfToken = /name="_csrf" value="([^"]+)"/.exec(await loginPage.text())?.[1] ?? '';
  const csrfCookie = setCookies(loginPage).join('; ');
  const login = await fetch(`${origin}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: csrfCookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrfToken, name: 'fuzzer', password: 'plum kettle wander' }),
  });
  const session = setCookies(login).find((c) => c.startsWith('cs_session='));
  if (!csrfToken || !session) throw new Error(`no session for the fuzzer: login answered ${login.status}`);

  return {
    server,
    port,
    origin,
    consumer,
    lms,
    access,
    request,
    undecided,
    cookie: `${session}; ${csrfCookie}`,
    csrfToken,
    ownApp,
    log: () => log,
    async close() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
