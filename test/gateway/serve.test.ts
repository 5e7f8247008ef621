/**
 * `countersign serve --upstream URL --routes FILE` as a process, set up with the CLI alone (user,
 * consumer, approval), with requests signed by requests-oauthlib and authlib reaching the Python
 * upstream both ways: through the gateway, and through nginx asking the same server's
 * forward-auth. And a bad route file or flag stopping `serve` at start with one line.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OAuthClient } from '../../packages/countersign/src/client/oauth-client.js';
import { runCli, runCliRefused, type ServerProcess, startServer } from '../support/processes.js';
import {
  forwardAuthConfig,
  hasNginx,
  hasPython,
  PYTHON,
  ROUTES,
  type RunningNginx,
  type RunningUpstream,
  SCOPES,
  startNginx,
  startUpstream,
} from './harness.js';

interface Echo {
  readonly target: string;
  readonly headers: [string, string][];
}
interface Result {
  readonly status: number;
  readonly echo: Echo | null;
  readonly www_authenticate: string | null;
}
type Cases = Record<'get' | 'two_legged' | 'spoofed' | 'form_post', Result>;

const header = (echo: Echo | null, name: string) =>
  (echo?.headers ?? []).filter(([n]) => n.toLowerCase() === name).map(([, v]) => v);

describe.skipIf(!hasPython || !hasNginx)('countersign serve as a gateway, with Python clients', () => {
  let dir: string;
  let upstream: RunningUpstream;
  let server: ServerProcess;
  let nginx: RunningNginx;
  let consumer: { key: string; secret: string };
  let access: { token: string; secret: string };

  const pythonClients = async (base: string): Promise<Record<'requests_oauthlib' | 'authlib', Cases>> => {
    const script = new URL('python_clients.py', import.meta.url).pathname;
    const args = [script, base, consumer.key, consumer.secret, access.token, access.secret];
    const { stdout } = await promisify(execFile)(PYTHON, args, { timeout: 60_000 });
    return JSON.parse(stdout) as Record<'requests_oauthlib' | 'authlib', Cases>;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'countersign-serve-gateway-'));
    upstream = await startUpstream(dir);
    const store = ['--db', join(dir, 'gateway.db')];
    runCli(['user', 'add', 'bob', '--password-stdin', ...store], 'correct horse battery\n');
    const add = ['consumer', 'add', '--name', 'Python', '--owner', 'bob', '--callback', 'oob'];
    consumer = JSON.parse(
      runCli([...add, '--scopes', SCOPES.join(','), '--two-legged', '--json', ...store]),
    ) as typeof consumer;
    const routes = join(dir, 'routes.json');
    writeFileSync(routes, ROUTES);
    server = await startServer([
      ...store,
      '--upstream',
      upstream.url,
      '--routes',
      routes,
      '--trust-proxy-from',
      '127.0.0.1',
    ]);
    const client = new OAuthClient({ consumerKey: consumer.key, consumerSecret: consumer.secret });
    const request = await client.initiate(`${server.url}/oauth/initiate`, 'oob', SCOPES);
    const { verifier } = JSON.parse(
      runCli(['approve', '--token', request.token, '--user', 'bob', '--json', ...store]),
    ) as { verifier: string };
    access = await client.exchange(`${server.url}/oauth/token`, request, verifier);
    nginx = await startNginx(dir, forwardAuthConfig(server.url, upstream.url));
  });
  afterAll(async () => {
    await nginx?.stop();
    await server?.stop();
    await upstream?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(['gateway', 'nginx'] as const)(
    'their requests reach the upstream with the identity, through %s',
    async (mode) => {
      const posts = () => upstream.records().filter((r) => r.method === 'POST').length;
      const postsBefore = posts();
      const results = await pythonClients(mode === 'gateway' ? server.url : nginx.url);
      for (const [library, cases] of Object.entries(results)) {
        for (const name of ['get', 'spoofed'] as const) {
          const { status, echo } = cases[name];
          expect(status, `${library} ${name}`).toBe(200);
          expect(echo?.target).toContain(`lib=${library.replace('_', '-')}`);
          expect(header(echo, 'x-oauth-consumer-key')).toEqual([consumer.key]);
          expect(header(echo, 'x-oauth-user')).toEqual(['bob']);
          expect(header(echo, 'x-oauth-scopes')).toEqual([SCOPES.join(',')]);
          expect(header(echo, 'x-oauth-two-legged')).toEqual(['false']);
          expect(header(echo, 'authorization')).toEqual([]);
        }
        const two = cases.two_legged;
        expect(two.status, `${library} two-legged`).toBe(200);
        expect(header(two.echo, 'x-oauth-user')).toEqual([]);
        expect(header(two.echo, 'x-oauth-two-legged')).toEqual(['true']);
        if (mode === 'gateway') {
          expect(cases.form_post.status, `${library} form`).toBe(200);
          expect(header(cases.form_post.echo, 'x-oauth-user')).toEqual(['bob']);
        } else {
          // nginx cannot pass the body to forward-auth: the form's parameters are not verified.
          expect(cases.form_post.status).toBe(401);
          expect(cases.form_post.www_authenticate).toMatch(/oauth_problem="signature_invalid"/);
        }
      }
      // The form posts of both libraries reached it through the gateway; nginx's refusals never did.
      expect(posts() - postsBefore).toBe(mode === 'gateway' ? 2 : 0);
    },
  );
});

describe('countersign serve refuses a bad gateway setup in one line', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'countersign-gateway-flags-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const refused = (flags: string[]) => {
    const { status, stderr } = runCliRefused([
      'serve',
      '--db',
      join(dir, 'flags.db'),
      '--port',
      '0',
      ...flags,
    ]);
    expect(status).not.toBe(0);
    expect(status).not.toBeNull();
    expect(stderr.trim().split('\n')).toHaveLength(1);
    return stderr.trim();
  };
  const routesFile = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('names the route and what is wrong with it', () => {
    const path = routesFile(
      'bad.json',
      JSON.stringify({
        routes: [
          { method: 'GET', path: '/v1/a' },
          { method: 'GET', path: 'v1/b' },
        ],
      }),
    );
    expect(refused(['--routes', path, '--upstream', 'http://127.0.0.1:9'])).toBe(
      `countersign serve: --routes ${path}: routes[1] (GET v1/b): path must start with /`,
    );
  });

  it('refuses a route over the server’s own paths', () => {
    const path = routesFile('own.json', JSON.stringify({ routes: [{ method: 'GET', path: '/login' }] }));
    expect(refused(['--routes', path, '--upstream', 'http://127.0.0.1:9'])).toMatch(
      /^countersign serve: --routes .*: routes\[0\] \(GET \/login\): overlaps the server's own path \/login$/,
    );
  });

  it.each([
    [['--routes', '/nonexistent/routes.json']],
    [['--upstream', 'http://127.0.0.1:9']],
    [['--upstream-timeout', '5']],
  ])('refuses %j', (flags) => {
    refused(flags);
  });

  it.each(['ftp://127.0.0.1:9', 'http://127.0.0.1:9/base', 'http://user:pw@127.0.0.1:9', 'not a url'])(
    'refuses --upstream %s',
    (upstream) => {
      const path = routesFile('ok.json', ROUTES);
      expect(refused(['--routes', path, '--upstream', upstream])).toMatch(
        /--upstream must be an http or https origin/,
      );
    },
  );

  it('refuses a bad --upstream-timeout', () => {
    const path = routesFile('ok.json', ROUTES);
    refused(['--routes', path, '--upstream', 'http://127.0.0.1:9', '--upstream-timeout', '0']);
  });
});
