/**
 * Interoperability, both ways. Our server verifies requests signed by eight independent
 * implementations in five languages — Debian's python3-oauthlib, python3-requests-oauthlib and
 * python3-authlib, npm's `oauth-1.0a` and `oauth`, PECL oauth's client in C (Debian's php-oauth),
 * Ruby's oauth gem (ruby-oauth) and Perl's Net::OAuth (libnet-oauth-perl) — for a GET with awkward
 * query values, a form POST and a two-legged request. The last three also run the three-legged
 * dance and sign in every placement, PECL's with every signature method it offers. And our client
 * works against providers built on python3-oauthlib's endpoints and on PECL oauth's `OAuthProvider`.
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { OAuth as NodeOAuth } from 'oauth';
import OAuth1a from 'oauth-1.0a';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OAuthClient } from '../../packages/countersign/src/client/oauth-client.js';
import { grantedServer } from '../support/granted-server.js';
import { readProblem } from '../../packages/countersign/src/client/problem-response.js';
import { compareBaseStrings } from '../../packages/countersign/src/client/base-string-diff.js';
import { createProvider } from '../../packages/countersign/src/provider/provider.js';
import { buildServer } from '../../packages/server/src/server/app.js';
import { MemoryStore } from '../../packages/countersign/src/stores/memory-store.js';

const python = '/usr/bin/python3';
const hasPythonOAuth =
  existsSync(python) &&
  spawnSync(python, ['-c', 'import oauthlib, requests_oauthlib, requests, authlib'], { stdio: 'ignore' })
    .status === 0;
if (!hasPythonOAuth) {
  if (process.env.CI === 'true')
    throw new Error('CI needs python3-oauthlib, python3-requests-oauthlib and python3-authlib');
  console.warn(
    'NOTICE: python3-oauthlib / python3-requests-oauthlib / python3-authlib not found; the Python interop tests are skipped.',
  );
}
const hasPeclOAuth =
  spawnSync('php', ['-r', 'exit(extension_loaded("oauth") ? 0 : 1);'], { stdio: 'ignore' }).status === 0;
if (!hasPeclOAuth) {
  if (process.env.CI === 'true') throw new Error('CI needs php-cli and php-oauth');
  console.warn(
    'NOTICE: php with the oauth extension (php-cli, php-oauth) not found; the PECL interop test is skipped.',
  );
}
const hasRubyOAuth = spawnSync('ruby', ['-e', 'require "oauth"'], { stdio: 'ignore' }).status === 0;
if (!hasRubyOAuth) {
  if (process.env.CI === 'true') throw new Error('CI needs ruby-oauth');
  console.warn('NOTICE: ruby with the oauth gem (ruby-oauth) not found; the Ruby interop test is skipped.');
}
const hasPerlOAuth = spawnSync('perl', ['-MNet::OAuth', '-e', '1'], { stdio: 'ignore' }).status === 0;
if (!hasPerlOAuth) {
  if (process.env.CI === 'true') throw new Error('CI needs libnet-oauth-perl');
  console.warn(
    'NOTICE: perl with Net::OAuth (libnet-oauth-perl) not found; the Perl interop test is skipped.',
  );
}
/** The problem a refusal with a form body reports (`oauth_problem=…&…`). */
const formProblem = (body: string) =>
  readProblem(
    new Response(body, { status: 401, headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
  );
const script = (name: string) => new URL(name, import.meta.url).pathname;

/** The awkward query, encoded as RFC 3986 says (spaces as %20). */
const AWKWARD =
  'q=hello%20world&plus=a%2Bb&tilde=~user&pct=100%25&utf=caf%C3%A9%20%E6%97%A5&tag=a&tag=b&empty=';
const NOTE = 'node: 100% ~ + & = é';
/** The same without the repeated key, which the `oauth` library signs as tag[0], tag[1] (docs/interop.md). */
const AWKWARD_SINGLE = AWKWARD.replace('&tag=a&tag=b', '&tag=a');

describe('independent clients against our server', () => {
  let app: FastifyInstance;
  let base: string;
  let consumer: { key: string; secret: string };
  let access: { token: string; secret: string };

  beforeAll(async () => {
    ({ app, base, consumer, access } = await grantedServer({
      name: 'Interop',
      scopes: ['read_public', 'read_private', 'write_private'],
      twoLegged: true,
    }));
  });
  afterAll(() => app.close());

  it.skipIf(!hasPythonOAuth)('python3-oauthlib, python3-requests-oauthlib and python3-authlib', async () => {
    // Asynchronously: the server answering these requests runs in this very process.
    const args = [
      script('python_clients.py'),
      base,
      consumer.key,
      consumer.secret,
      access.token,
      access.secret,
    ];
    const run = await promisify(execFile)(python, args, { encoding: 'utf8', timeout: 30_000 });
    expect(run.stderr).toBe('');
    type Answer = { status: number; body: Record<string, unknown> };
    const results = JSON.parse(run.stdout) as Record<string, Record<string, Answer>> & {
      note: string;
      authlib: { query_placement: { status: number; body: Record<string, string>; url: string } };
    };
    for (const library of ['requests-oauthlib', 'oauthlib', 'authlib']) {
      const r = results[library] ?? {};
      expect(r.awkward_get, library).toMatchObject({ status: 200, body: { user: 'bob' } });
      expect(r.form_post, library).toMatchObject({ status: 201, body: { text: results.note } });
      expect(r.two_legged, library).toMatchObject({ status: 200, body: { user: null, two_legged: true } });
    }
    // Authlib's query placement sends every parameter twice (docs/interop.md); the refusal says so.
    const { query_placement: inQuery } = results.authlib;
    expect(inQuery.url.match(/oauth_nonce=/g)).toHaveLength(2);
    expect(inQuery.status).toBe(400);
    expect(inQuery.body.oauth_problem).toBe('parameter_rejected');
    expect(inQuery.body.oauth_problem_advice).toContain(
      'oauth_nonce, oauth_timestamp, oauth_version, oauth_signature_method, oauth_consumer_key and oauth_token twice in the query.',
    );
    expect(inQuery.body.oauth_problem_advice).toContain(
      'as happens when a client adds its parameters to a request that already has them',
    );
  });

  function oauth1a() {
    return new OAuth1a({
      consumer: { key: consumer.key, secret: consumer.secret },
      signature_method: 'HMAC-SHA1',
      hash_function: (text, key) => createHmac('sha1', key).update(text).digest('base64'),
    });
  }

  it('npm oauth-1.0a', async () => {
    const client = oauth1a();
    const token = { key: access.token, secret: access.secret };
    const get = `${base}/api/v1/me?${AWKWARD}`;
    const awkward = await fetch(get, {
      headers: { ...client.toHeader(client.authorize({ url: get, method: 'GET' }, token)) },
    });
    expect(awkward.status).toBe(200);
    const data = { text: NOTE };
    const posted = await fetch(`${base}/api/v1/notes`, {
      method: 'POST',
      headers: {
        ...client.toHeader(client.authorize({ url: `${base}/api/v1/notes`, method: 'POST', data }, token)),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: `text=${client.percentEncode(NOTE)}`,
    });
    expect(posted.status).toBe(201);
    expect(await posted.json()).toMatchObject({ text: NOTE });
    const two = `${base}/api/v1/me?lti=1`;
    const twoLegged = await fetch(two, {
      headers: { ...client.toHeader(client.authorize({ url: two, method: 'GET' })) },
    });
    expect(await twoLegged.json()).toMatchObject({ user: null, two_legged: true });
  });

  function nodeOAuth() {
    const urls = [`${base}/oauth/initiate`, `${base}/oauth/token`] as const;
    return new NodeOAuth(...urls, consumer.key, consumer.secret, '1.0', null, 'HMAC-SHA1');
  }

  it('npm oauth', async () => {
    const client = nodeOAuth();
    const call = <T>(run: (done: (error: unknown, data?: unknown) => void) => void) =>
      new Promise<T>((resolve, reject) =>
        run((error, data) =>
          error ? reject(new Error(JSON.stringify(error))) : resolve(JSON.parse(String(data)) as T),
        ),
      );
    expect(
      await call((done) =>
        client.get(`${base}/api/v1/me?${AWKWARD_SINGLE}`, access.token, access.secret, done),
      ),
    ).toMatchObject({ user: 'bob' });
    expect(
      await call((done) =>
        client.post(
          `${base}/api/v1/notes`,
          access.token,
          access.secret,
          { text: NOTE },
          'application/x-www-form-urlencoded',
          done,
        ),
      ),
    ).toMatchObject({ text: NOTE });
    expect(await call((done) => client.get(`${base}/api/v1/me?lti=1`, '', '', done))).toMatchObject({
      user: null,
      two_legged: true,
    });
  });

  it('shows an `oauth` user why repeated query keys fail (docs/interop.md)', async () => {
    const client = nodeOAuth();
    const error = await new Promise<{ statusCode: number; data: string }>((resolve) =>
      client.get(`${base}/api/v1/me?tag=a&tag=b`, access.token, access.secret, (e) =>
        resolve(e as { statusCode: number; data: string }),
      ),
    );
    expect(error.statusCode).toBe(401);
    const problem = await formProblem(error.data);
    expect(problem?.problem).toBe('signature_invalid');
    // The server signs the repeated key as RFC 5849 §3.4.1.3.2 says; the library renamed it tag[0], tag[1].
    expect(problem?.baseString).toContain('tag%3Da%26tag%3Db');
  });

  it('shows oauth-1.0a user why a literal "+" in the query fails (docs/interop.md)', async () => {
    const client = oauth1a();
    const url = `${base}/api/v1/me?q=a+b`;
    const data = client.authorize({ url, method: 'GET' }, { key: access.token, secret: access.secret });
    const response = await fetch(url, { headers: { ...client.toHeader(data) } });
    const problem = await readProblem(response);
    expect(problem?.problem).toBe('signature_invalid');
    // The server read "+" as a space (RFC 5849 §3.4.1.3.1); the library signed it as a plus.
    expect(problem?.baseString).toContain('q%3Da%2520b');
    const { oauth_signature: _signature, ...unsigned } = data;
    const clientBase = client.getBaseString({ url, method: 'GET' }, unsigned);
    expect(clientBase).toContain('q%3Da%252Bb');
    const marked = compareBaseStrings(problem?.baseString ?? '', clientBase);
    expect(marked[2]).toContain('^ first difference');
  });
});

describe('independent clients running the whole dance against our server', () => {
  const store = new MemoryStore();
  const provider = createProvider({ store });
  let app: FastifyInstance;
  let approver: Server;
  let dir: string;

  beforeAll(async () => {
    app = await buildServer({ store });
    await app.listen({ port: 0, host: '127.0.0.1' });
    await store.putUser({ name: 'bob', status: 'active', createdAt: 0 });
    // The user's consent, given over HTTP so that a client in another process can ask for it in
    // mid-dance.
    approver = createServer((req, res) => {
      const token = new URL(req.url ?? '/', 'http://approver').searchParams.get('token') ?? '';
      provider.decide(token, { user: 'bob', approve: true }).then(
        ({ verifier = '' }) => res.end(verifier),
        () => res.writeHead(400).end(),
      );
    });
    await new Promise<void>((resolve) => approver.listen(0, '127.0.0.1', resolve));
    dir = mkdtempSync(join(tmpdir(), 'countersign-interop-'));
  });
  afterAll(async () => {
    approver.close();
    rmSync(dir, { recursive: true, force: true });
    await app.close();
  });

  const address = (server: Server | FastifyInstance['server']) =>
    `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  /** A consumer of bob's that may read and write, and make two-legged requests. */
  const register = (name: string, more: { signatureMethods?: string[]; rsaPublicKey?: string } = {}) =>
    provider.registerConsumer({
      name,
      owner: 'bob',
      callback: 'oob',
      scopes: ['read_public', 'write_private'],
      twoLegged: true,
      ...more,
    });

  type Answer = { status: number; body: unknown };
  /** What a client script prints: the dance, each case's GET (none in a body) and POST, two-legged. */
  type DanceResults = Record<string, { get: Answer | null; post: Answer }> & {
    initiate: { confirmed: string | boolean };
    exchange: { token: boolean; secret: boolean };
    two_legged: Answer;
    note: string;
  };

  /**
   * Runs a client script with the server's address, the approver's and the consumer's credentials
   * (then `extra`), and checks what every client gets: the dance and a two-legged request.
   */
  async function runClient<T extends DanceResults>(
    command: string,
    file: string,
    consumer: { key: string; secret: string },
    extra: string[] = [],
  ): Promise<T> {
    const args = [
      script(file),
      address(app.server),
      `${address(approver)}/approve`,
      consumer.key,
      consumer.secret,
      ...extra,
    ];
    const run = await promisify(execFile)(command, args, { encoding: 'utf8', timeout: 30_000 });
    expect(run.stderr).toBe('');
    const results = JSON.parse(run.stdout) as T;
    expect(String(results.initiate.confirmed)).toBe('true');
    expect(results.exchange).toEqual({ token: true, secret: true });
    expect(results.two_legged).toMatchObject({ status: 200, body: { user: null, two_legged: true } });
    return results;
  }

  /** Each case was accepted: its GET answered with the user, its POST made the note. */
  function expectAccepted(results: DanceResults, cases: string[], application: string) {
    for (const what of cases) {
      const { get, post } = results[what] ?? { get: null, post: null };
      // A GET has no body to carry the protocol parameters in.
      if (!what.endsWith('body'))
        expect(get, what).toMatchObject({ status: 200, body: { user: 'bob', application } });
      expect(post, what).toMatchObject({ status: 201, body: { text: results.note } });
    }
  }

  it.skipIf(!hasPeclOAuth)(
    'PECL oauth: HMAC-SHA1, HMAC-SHA256 and RSA-SHA1 in header, query and body',
    async () => {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', {
        modulusLength: 2048,
        publicKeyEncoding: { type: 'spki', format: 'pem' },
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      });
      const keyFile = join(dir, 'client-key.pem');
      writeFileSync(keyFile, privateKey, { mode: 0o600 });
      const consumer = await register('PECL', {
        signatureMethods: ['HMAC-SHA1', 'HMAC-SHA256', 'RSA-SHA1', 'PLAINTEXT'],
        rsaPublicKey: publicKey,
      });
      const results = await runClient<
        DanceResults & { repeated_key: { status: number; body: string; client_base_string: string } }
      >('php', 'pecl_client.php', consumer, [keyFile]);
      expectAccepted(
        results,
        ['HMAC-SHA1', 'HMAC-SHA256', 'RSA-SHA1'].flatMap((method) =>
          ['header', 'query', 'body'].map((placement) => `${method} ${placement}`),
        ),
        'PECL',
      );
      // PLAINTEXT would send the secrets themselves: refused over plain HTTP, and the refusal says so.
      for (const placement of ['header', 'query', 'body']) {
        const { post } = results[`PLAINTEXT ${placement}`] ?? { post: null };
        expect(post?.status, placement).toBe(400);
        expect(post?.body, placement).toContain('oauth_problem=signature_method_rejected');
        expect(post?.body, placement).toContain(
          'so%20it%20is%20refused%20over%20plain%20HTTP%3A%20send%20the%20request%20over%20HTTPS%2C%20or%20sign%20it%20with%20one%20of%20HMAC-SHA1%2C%20HMAC-SHA256%2C%20RSA-SHA1.',
        );
      }
      // PECL signs a repeated query key once, with its last value (docs/interop.md); the refusal's base
      // string shows both, and the first difference is where PECL dropped one.
      const repeated = results.repeated_key;
      expect(repeated.status).toBe(401);
      const problem = await formProblem(repeated.body);
      expect(problem?.problem).toBe('signature_invalid');
      expect(problem?.baseString).toContain('tag%3Da%26tag%3Db');
      expect(repeated.client_base_string).toContain('tag%3Db');
      expect(repeated.client_base_string).not.toContain('tag%3Da');
      expect(compareBaseStrings(problem?.baseString ?? '', repeated.client_base_string)[2]).toContain(
        '^ first difference',
      );
    },
  );

  it.skipIf(!hasRubyOAuth)('the Ruby oauth gem: header, query and body', async () => {
    const consumer = await register('Ruby');
    const results = await runClient('ruby', 'ruby_client.rb', consumer);
    expectAccepted(results, ['header', 'query', 'body'], 'Ruby');
  });

  it.skipIf(!hasPerlOAuth)(
    "Perl's Net::OAuth: HMAC-SHA1 and HMAC-SHA256 in header, query and body",
    async () => {
      const consumer = await register('Perl', { signatureMethods: ['HMAC-SHA1', 'HMAC-SHA256'] });
      const results = await runClient('perl', 'perl_client.pl', consumer);
      expectAccepted(
        results,
        ['HMAC-SHA1', 'HMAC-SHA256'].flatMap((method) =>
          ['header', 'query', 'body'].map((placement) => `${method} ${placement}`),
        ),
        'Perl',
      );
    },
  );
});

/**
 * Our client's three-legged dance against a test provider (`POST /request_token`, `GET /authorize`
 * approving at once and answering the verifier, `POST /access_token`).
 */
async function danceWith(base: string, key: string, secret: string) {
  const client = new OAuthClient({ consumerKey: key, consumerSecret: secret });
  const request = await client.initiate(`${base}/request_token`);
  expect(request.callbackConfirmed).toBe(true);
  const verifier = await (await fetch(client.authorizationUrl(`${base}/authorize`, request))).text();
  const access = await client.exchange(`${base}/access_token`, request, verifier);
  return { client, request, verifier, access };
}

/**
 * Our client signs a GET with `query` and a form POST with every placement, and the test
 * provider's `/resource` echoes what it verified: `expected` among the GET's parameters.
 */
async function expectEchoedInEveryPlacement(
  base: string,
  credentials: { key: string; secret: string; access: { token: string; secret: string } },
  query: string,
  expected: [string, string][],
) {
  const { key, secret, access } = credentials;
  for (const placement of ['header', 'query', 'body'] as const) {
    const placed = new OAuthClient({ consumerKey: key, consumerSecret: secret, placement });
    const got = await placed.fetch(`${base}/resource?${query}`, { token: access });
    expect(got.status, placement).toBe(200);
    expect(((await got.json()) as { params: string[][] }).params).toEqual(expect.arrayContaining(expected));
    const posted = await placed.fetch(`${base}/resource`, { token: access, form: [['text', NOTE]] });
    expect(posted.status, placement).toBe(200);
    expect(((await posted.json()) as { params: string[][] }).params).toContainEqual(['text', NOTE]);
  }
}

describe.skipIf(!hasPythonOAuth)('our client against a python3-oauthlib provider', () => {
  let provider: ChildProcess;
  let base: string;
  const key = 'k'.repeat(24);
  const secret = 's'.repeat(24);

  beforeAll(async () => {
    provider = spawn(python, [script('oauthlib_provider.py'), key, secret]);
    base = await new Promise<string>((resolve, reject) => {
      provider.stdout?.on('data', (chunk: Buffer) => {
        const match = /listening (\d+)/.exec(chunk.toString());
        if (match) resolve(`http://127.0.0.1:${match[1]}`);
      });
      provider.once('exit', (code) => reject(new Error(`provider exited with ${code}`)));
    });
  });
  afterAll(() => {
    provider.kill();
  });

  it('runs the three-legged dance and signs resource requests in every placement', async () => {
    const { access } = await danceWith(base, key, secret);
    await expectEchoedInEveryPlacement(base, { key, secret, access }, AWKWARD, [
      ['q', 'hello world'],
      ['plus', 'a+b'],
      ['utf', 'café 日'],
      ['tag', 'a'],
      ['tag', 'b'],
    ]);
  });
});

describe.skipIf(!hasPeclOAuth)("our client against a PECL oauth provider (PHP's built-in server)", () => {
  let provider: ChildProcess;
  let base: string;
  let state: string;
  const key = 'k'.repeat(24);
  const secret = 's'.repeat(24);

  beforeAll(async () => {
    state = mkdtempSync(join(tmpdir(), 'countersign-pecl-provider-'));
    provider = spawn('php', ['-S', '127.0.0.1:0', script('pecl_provider.php')], {
      env: { ...process.env, OAUTH_KEY: key, OAUTH_SECRET: secret, OAUTH_STATE: state },
    });
    base = await new Promise<string>((resolve, reject) => {
      provider.stderr?.on('data', (chunk: Buffer) => {
        const match = /Development Server \((http:\/\/127\.0\.0\.1:\d+)\) started/.exec(chunk.toString());
        if (match?.[1]) resolve(match[1]);
      });
      provider.once('exit', (code) => reject(new Error(`php -S exited with ${code}`)));
    });
  });
  afterAll(() => {
    provider.kill();
    rmSync(state, { recursive: true, force: true });
  });

  it('runs the three-legged dance and signs resource requests in every placement', async () => {
    const { client, request, verifier, access } = await danceWith(base, key, secret);
    await expectEchoedInEveryPlacement(base, { key, secret, access }, AWKWARD_SINGLE, [
      ['q', 'hello world'],
      ['plus', 'a+b'],
      ['utf', 'café 日'],
      ['empty', ''],
    ]);
    // A spent request token is refused.
    await expect(client.exchange(`${base}/access_token`, request, verifier)).rejects.toThrow();
  });

  it('shows why repeated query keys fail with this provider (docs/interop.md)', async () => {
    const { client, access } = await danceWith(base, key, secret);
    const { response: refused, signed } = await client.send(`${base}/resource?tag=a&tag=b`, {
      token: access,
    });
    expect(refused.status).toBe(401);
    const problem = await readProblem(refused);
    expect(problem?.problem).toBe('signature_invalid');
    // PECL signs the query as PHP parsed it, where the last of the repeated keys wins; its base
    // string, which it reports as `debug_sbs`, is read and set beside ours.
    expect(problem?.baseString).toContain('tag%3Db');
    expect(problem?.baseString).not.toContain('tag%3Da');
    expect(signed.baseString).toContain('tag%3Da%26tag%3Db');
    expect(compareBaseStrings(problem?.baseString ?? '', signed.baseString)[2]).toContain(
      '^ first difference',
    );
  });
});
