/**
 * Forward-auth: a real nginx (Debian's), configured exactly as docs/gateway.md prints it, asks
 * `GET /oauth/forward-auth` about every request to the Python upstream with `auth_request`; and
 * Traefik's ForwardAuth headers, asked directly. What reaches the upstream, what does not, and
 * what the client is told.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../packages/countersign/src/client/sign-request.js';
import { parseAuthorizationHeader } from '../../packages/countersign/src/core/parameters.js';
import { buildServer } from '../../packages/server/src/server/app.js';
import { parseRouteFile } from '../../packages/server/src/server/gateway/routes.js';
import {
  forwardAuthConfig,
  type Gateway,
  hasNginx,
  hasPython,
  headerValues,
  rawRequest,
  ROUTES,
  type RunningNginx,
  type RunningUpstream,
  startGateway,
  startNginx,
  startUpstream,
} from './harness.js';

const problemOf = (header: string | string[] | undefined) =>
  parseAuthorizationHeader(String(header ?? ''))?.parameters.find((p) => p.name === 'oauth_problem')?.value;

describe.skipIf(!hasPython || !hasNginx)('forward-auth behind nginx auth_request', () => {
  let dir: string;
  let upstream: RunningUpstream;
  let auth: Gateway;
  let nginx: RunningNginx;
  const reached = (marker: string) => upstream.records().filter((r) => r.target.includes(marker));
  /** A request signed by Countersign's client for nginx's URL, with bob's token or none. */
  const sign = (
    method: string,
    path: string,
    options: { twoLegged?: boolean; form?: [string, string][] } = {},
  ) =>
    signRequest({
      method,
      url: nginx.url + path,
      consumerKey: auth.consumer.key,
      consumerSecret: auth.consumer.secret,
      ...(options.twoLegged ? {} : { token: auth.access.token, tokenSecret: auth.access.secret }),
      ...(options.form ? { form: options.form } : {}),
    }).authorization;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'countersign-forward-auth-'));
    upstream = await startUpstream(dir);
    // Forward-auth only (no upstream of its own), believing nginx on loopback.
    auth = await startGateway(undefined, { trustProxy: '127.0.0.1' });
    nginx = await startNginx(dir, forwardAuthConfig(auth.base, upstream.url));
  });
  afterAll(async () => {
    await nginx?.stop();
    await auth?.app.close();
    await upstream?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lets a verified request through with the identity headers, less Authorization', async () => {
    const path = '/v1/echo?mark=fa-get&q=a%20b&plus=1%2B1';
    const response = await rawRequest(nginx.url + path, {
      headers: { authorization: sign('GET', path), 'X-OAuth-User': 'mallory', 'x-oauth-scopes': 'admin' },
    });
    expect(response.status, nginx.errors()).toBe(200);
    const [record] = reached('mark=fa-get');
    expect(record).toMatchObject({ method: 'GET', target: path });
    if (!record) return;
    expect(headerValues(record, 'x-oauth-consumer-key')).toEqual([auth.consumer.key]);
    expect(headerValues(record, 'x-oauth-user')).toEqual(['bob']);
    expect(headerValues(record, 'x-oauth-scopes')).toEqual(['read_public,read_private,write_private']);
    expect(headerValues(record, 'x-oauth-two-legged')).toEqual(['false']);
    expect(headerValues(record, 'authorization')).toEqual([]);
  });

  it('sends no X-OAuth-User for a two-legged request, whatever the client sent', async () => {
    const path = '/v1/things/9?mark=fa-two';
    const response = await rawRequest(nginx.url + path, {
      headers: {
        authorization: sign('GET', path, { twoLegged: true }),
        'X-OAuth-User': 'mallory',
        X_OAuth_User: 'm',
      },
    });
    expect(response.status, nginx.errors()).toBe(200);
    const [record] = reached('mark=fa-two');
    if (!record) throw new Error('not forwarded');
    const names = record.headers.map(([name]) => name.toLowerCase().replaceAll('_', '-'));
    expect(names).not.toContain('x-oauth-user');
    expect(headerValues(record, 'x-oauth-two-legged')).toEqual(['true']);
  });

  it('lets a public route through without an identity, stripping the client’s', async () => {
    const response = await rawRequest(`${nginx.url}/v1/status?mark=fa-public`, {
      headers: { 'X-OAuth-User': 'mallory', 'X-OAuth-Consumer-Key': 'k', 'X-OAuth-Two-Legged': 'false' },
    });
    expect(response.status).toBe(200);
    const [record] = reached('mark=fa-public');
    if (!record) throw new Error('not forwarded');
    const names = record.headers.map(([name]) => name.toLowerCase());
    for (const name of ['x-oauth-user', 'x-oauth-consumer-key', 'x-oauth-scopes', 'x-oauth-two-legged'])
      expect(names).not.toContain(name);
  });

  it.each([
    ['400 (auth_request would make it 500)', '/v1/echo?mark=fa-400', 400, 'parameter_absent', undefined],
    ['401', '/v1/echo?mark=fa-401', 401, 'signature_invalid', 'OAuth oauth_consumer_key="x"'],
    ['403', '/v1/admin?mark=fa-403', 403, 'permission_denied', 'signed'],
  ])(
    'refuses with the problem’s status and WWW-Authenticate: %s, not forwarded',
    async (_name, path, status, problem, authorization) => {
      const headers: Record<string, string> = {};
      if (authorization === 'signed') headers.authorization = sign('GET', path);
      else if (authorization !== undefined)
        headers.authorization = sign('GET', path).replace(
          /oauth_signature="[^"]*"/,
          'oauth_signature="wrong"',
        );
      const response = await rawRequest(nginx.url + path, { headers });
      expect(response.status, nginx.errors()).toBe(status);
      expect(problemOf(response.headers['www-authenticate'])).toBe(problem);
      if (status !== 401) expect(response.headers['cache-control']).toBe('no-store');
      expect(reached(path.split('?')[1] ?? '')).toEqual([]);
    },
  );

  it('answers 404 for a request no route serves, without forwarding it', async () => {
    const path = '/v1/nothing?mark=fa-404';
    const response = await rawRequest(nginx.url + path, { headers: { authorization: sign('GET', path) } });
    expect(response.status).toBe(404);
    expect(reached('mark=fa-404')).toEqual([]);
  });

  it('cannot verify a form body, says so, and does not forward it', async () => {
    const path = '/v1/echo?mark=fa-form';
    const form: [string, string][] = [['text', 'hello']];
    const headers = {
      authorization: sign('POST', path, { form }),
      'content-type': 'application/x-www-form-urlencoded',
    };
    const response = await rawRequest(nginx.url + path, { method: 'POST', headers, body: 'text=hello' });
    expect(response.status).toBe(401);
    expect(problemOf(response.headers['www-authenticate'])).toBe('signature_invalid');
    expect(reached('mark=fa-form')).toEqual([]);
    // The advice, in forward-auth's own answer (nginx keeps only its status and header).
    const asked = await rawRequest(`${auth.base}/oauth/forward-auth`, {
      headers: {
        ...headers,
        'x-original-method': 'POST',
        'x-original-uri': path,
        'x-forwarded-proto': 'http',
        'x-forwarded-host': new URL(nginx.url).host,
      },
    });
    expect(asked.status).toBe(401);
    expect(decodeURIComponent(asked.body)).toMatch(/does not see the request body/);
  });

  it('answers Traefik’s ForwardAuth headers with the identity', async () => {
    const url = 'https://api.example.com/v1/things/3?mark=traefik';
    const signed = signRequest({
      method: 'PUT',
      url,
      consumerKey: auth.consumer.key,
      consumerSecret: auth.consumer.secret,
      token: auth.access.token,
      tokenSecret: auth.access.secret,
    });
    const response = await rawRequest(`${auth.base}/oauth/forward-auth`, {
      headers: {
        authorization: signed.authorization,
        'x-forwarded-method': 'PUT',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'api.example.com',
        'x-forwarded-uri': '/v1/things/3?mark=traefik',
      },
    });
    expect(response.status, response.body).toBe(200);
    expect(response.headers['x-oauth-user']).toBe('bob');
    expect(response.headers['x-oauth-consumer-key']).toBe(auth.consumer.key);
    expect(response.headers['x-oauth-two-legged']).toBe('false');
  });

  it('refuses a description with both families of headers, or without one', async () => {
    const both = await rawRequest(`${auth.base}/oauth/forward-auth`, {
      headers: { 'x-original-method': 'GET', 'x-original-uri': '/v1/status', 'x-forwarded-uri': '/v1/admin' },
    });
    expect(both.status).toBe(400);
    const none = await rawRequest(`${auth.base}/oauth/forward-auth`);
    expect(none.status).toBe(400);
    const half = await rawRequest(`${auth.base}/oauth/forward-auth`, {
      headers: { 'x-original-uri': '/v1/status' },
    });
    expect(half.status).toBe(400);
  });

  it('answers only a trusted proxy', async () => {
    const untrusting = await startGateway(undefined);
    try {
      const response = await rawRequest(`${untrusting.base}/oauth/forward-auth`, {
        headers: { 'x-original-method': 'GET', 'x-original-uri': '/v1/status' },
      });
      expect(response.status).toBe(403);
      expect(response.headers['x-oauth-user']).toBeUndefined();
    } finally {
      await untrusting.app.close();
    }
  });
});

describe('forward-auth and the public URL', () => {
  it('signs the public URL’s origin with the original URI’s whole path, not the prefix the server is under', async () => {
    // The grant is made through a server of its own: clients of this one sign the public URL.
    const auth = await startGateway(undefined);
    const app = await buildServer({
      store: auth.store,
      trustProxy: '127.0.0.1',
      publicUrl: 'https://api.example.com/countersign',
      gateway: { routes: parseRouteFile(ROUTES) },
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    try {
      const path = '/v1/echo?mark=prefix';
      const ask = (url: string) =>
        rawRequest(`${base}/oauth/forward-auth`, {
          headers: {
            authorization: signRequest({
              method: 'GET',
              url,
              consumerKey: auth.consumer.key,
              consumerSecret: auth.consumer.secret,
              token: auth.access.token,
              tokenSecret: auth.access.secret,
            }).authorization,
            'x-original-method': 'GET',
            'x-original-uri': path,
            // Not believed over the public URL.
            'x-forwarded-host': 'elsewhere.example',
          },
        });
      expect((await ask(`https://api.example.com${path}`)).status).toBe(200);
      const prefixed = await ask(`https://api.example.com/countersign${path}`);
      expect(prefixed.status).toBe(401);
      expect(problemOf(prefixed.headers['www-authenticate'])).toBe('signature_invalid');
    } finally {
      await app.close();
      await auth.app.close();
    }
  });
});
