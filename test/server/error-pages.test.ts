/**
 * Bad input to a page gets a 4xx HTML page in the site's layout, with the security headers of any
 * page; a real failure a generic 500 page, its detail in the log only. API clients keep JSON.
 */
import { Writable } from 'node:stream';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProvider } from '../../packages/countersign/src/provider/provider.js';
import { buildServer } from '../../packages/server/src/server/app.js';
import { MemoryServerData } from '../../packages/server/src/data/memory-data.js';
import { putAccount } from '../support/accounts.js';
import { MemoryStore } from '../../packages/countersign/src/stores/memory-store.js';
import { PageClient } from './page-client.js';

const INTERNAL = 'internal detail 7f3a';

/** A consumer key whose lookup fails, to make a real 500 at the API. */
const FAILING_KEY = 'f'.repeat(32);

/** A store whose console listing, and one consumer's lookup, fail, to make real 500s. */
class FailingStore extends MemoryStore {
  override listConsumers(): never {
    throw new Error(INTERNAL);
  }

  override getConsumer(key: string) {
    if (key === FAILING_KEY) throw new Error(INTERNAL);
    return super.getConsumer(key);
  }
}

/** What a browser sends when it navigates. */
const BROWSER = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

function expectPage(response: LightMyRequestResponse, status: number) {
  expect(response.statusCode).toBe(status);
  expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(response.body).toMatch(/^<!doctype html>/);
  expect(response.body).toContain('/static/style.css');
  // helmet's headers, on error pages as on any other page.
  expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(response.headers['x-frame-options']).toBe('DENY');
  expect(response.headers['x-content-type-options']).toBe('nosniff');
  expect(response.body).not.toMatch(/TypeError|statusCode|FST_|at .*\.js:\d+/);
}

describe('error pages', () => {
  let app: FastifyInstance;
  let store: FailingStore;
  let logs = '';
  let client: PageClient;

  beforeAll(async () => {
    store = new FailingStore();
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs += chunk.toString();
        done();
      },
    });
    const data = new MemoryServerData();
    app = await buildServer({ store, data, log: { level: 'info', stream } });
    await putAccount({ store: store, data }, 'ann', 'a long pass phrase');
    client = new PageClient(app);
    expect((await client.signIn('ann', 'a long pass phrase')).statusCode).toBe(303);
    await client.get('/connections');
  });
  afterAll(() => app.close());

  const csrfHeader = () => ({ 'x-csrf-token': client.csrf });

  it('answers a CSRF-valid empty form with a 4xx page', async () => {
    for (const url of ['/signup', '/login', '/console/apps', '/oauth/authorize']) {
      const response = await client.post(url, {}, { payload: '', contentType: null, headers: csrfHeader() });
      expect(response.statusCode, url).toBeGreaterThanOrEqual(400);
      expect(response.statusCode, url).toBeLessThan(500);
      expectPage(response, response.statusCode);
    }
    // Revoking nothing revokes nothing.
    const revoke = await client.post(
      '/connections/revoke',
      {},
      { payload: '', contentType: null, headers: csrfHeader() },
    );
    expect(revoke.statusCode).toBe(303);
  });

  it('answers a field sent twice with a 400 page', async () => {
    const twice: [string, string][] = [
      ['name', 'a'],
      ['name', 'b'],
      ['description', 'x'],
      ['description', 'y'],
      ['rsa_public_key', 'x'],
      ['rsa_public_key', 'y'],
      ['callback', 'oob'],
    ];
    for (const url of ['/signup', '/login', '/console/apps', '/connections/revoke', '/oauth/authorize']) {
      const fields =
        url === '/connections/revoke' ? [...twice, ['connection', 'a'], ['connection', 'b']] : twice;
      const response = await client.post(url, fields as [string, string][]);
      expectPage(response, 400);
    }
  });

  it('refuses JSON and text bodies on pages with a 415 page', async () => {
    const bodies: [payload: string, contentType: string][] = [
      ['null', 'application/json'],
      ['{"name":"a"}', 'application/json'],
      ['name=a', 'text/plain'],
    ];
    for (const [payload, contentType] of bodies) {
      const response = await client.post('/login', {}, { payload, contentType, headers: csrfHeader() });
      expectPage(response, 415);
    }
  });

  it('answers a form larger than the body limit with a 413 page', async () => {
    const response = await client.post('/login', { name: 'x'.repeat(1.5 * 1024 * 1024) });
    expectPage(response, 413);
  });

  it('answers a form without its CSRF token with a 403 page', async () => {
    expectPage(await client.post('/console/apps', { _csrf: 'forged', name: 'x' }), 403);
  });

  it('never lets a newline in next reach the Location header', async () => {
    const other = new PageClient(app);
    await other.get('/login');
    const response = await other.post('/login', {
      name: 'ann',
      password: 'a long pass phrase',
      next: '/x\r\nSet-Cookie: evil=1',
    });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/console');
    expect(response.headers['set-cookie']).not.toContain('evil=1');
  });

  it('answers a consent naming a scope that was not requested with a 400 page', async () => {
    const consumer = await createProvider({ store }).registerConsumer({
      name: 'Scoped',
      owner: 'ann',
      callback: 'oob',
      scopes: ['read_public', 'read_private'],
      signatureMethods: ['HMAC-SHA1'],
    });
    await store.createRequestToken({
      token: 'request-token-scoped',
      secret: 's',
      consumerKey: consumer.key,
      callback: 'oob',
      scopes: ['read_public'],
      state: 'pending',
      verifierFailures: 0,
      createdAt: Date.now(),
      expiresAt: Date.now() + 600_000,
    });
    const response = await client.post('/oauth/authorize', [
      ['oauth_token', 'request-token-scoped'],
      ['decision', 'approve'],
      ['scopes', 'read_private'],
    ]);
    expectPage(response, 400);
    expect(store.getRequestToken('request-token-scoped')?.state).toBe('pending');
  });

  it('answers an unknown page with an HTML 404 for a browser and JSON for an API client', async () => {
    for (const url of ['/nope', '/console/nope/deeper', '/oauth/nope']) {
      expectPage(await client.get(url), 404);
      const api = await app.inject({ method: 'GET', url, headers: { accept: 'application/json' } });
      expect(api.statusCode).toBe(404);
      expect(api.json()).toMatchObject({ statusCode: 404, error: 'Not Found' });
    }
    expectPage(await client.get('/console/apps/no-such-key'), 404);
  });

  it('answers a page path asked with a method it does not take with a 405 page naming those it does', async () => {
    for (const [url, allowed] of [
      ['/logout', 'POST'],
      ['/console/apps/some-key/suspend', 'POST'],
      ['/console/apps/some-key/end-previous-secret', 'POST'],
      ['/account/password', 'POST'],
    ]) {
      const response = await client.get(url as string);
      expectPage(response, 405);
      expect(response.headers.allow).toBe(allowed);
    }
    const put = await app.inject({ method: 'PUT', url: '/login', headers: { accept: 'text/html' } });
    expectPage(put, 405);
    expect(put.headers.allow).toContain('POST');
    expect(put.headers.allow).toContain('GET');
  });

  it('answers too many sign-ins with a 429 page', async () => {
    const other = new PageClient(app);
    await other.get('/login');
    let response: LightMyRequestResponse | undefined;
    for (let i = 0; i < 12; i++) {
      response = await other.post(
        '/login',
        { name: 'ann', password: 'wrong' },
        { remoteAddress: '10.4.4.4' },
      );
    }
    expectPage(response as LightMyRequestResponse, 429);
    expect(response?.headers['retry-after']).toBeDefined();
  });

  it('shows a generic 500 page and logs the detail', async () => {
    const response = await client.get('/console');
    expectPage(response, 500);
    expect(response.body).not.toContain(INTERNAL);
    expect(logs).toContain(INTERNAL);
  });

  it("answers a browser with an error page for the OAuth endpoints' and the API's errors that are not problems", async () => {
    const signed = `oauth_consumer_key=${FAILING_KEY}&oauth_signature_method=HMAC-SHA1&oauth_signature=x&oauth_nonce=n&oauth_timestamp=${Math.floor(Date.now() / 1000)}`;
    const cases = [
      { status: 400, method: 'GET', url: '/api/v1/notes/%zz' },
      { status: 400, method: 'GET', url: '/%' },
      { status: 413, method: 'POST', url: '/oauth/initiate', payload: 'a='.padEnd(1.5 * 1024 * 1024, 'x') },
      { status: 500, method: 'GET', url: `/api/v1/me?${signed}` },
    ] as const;
    for (const { status, ...request } of cases) {
      const page = await app.inject({
        ...request,
        headers: { ...BROWSER, 'content-type': 'application/x-www-form-urlencoded' },
      });
      expectPage(page, status);
      expect(page.body, request.url).not.toContain(INTERNAL);
      // Any other client still gets short plain text.
      const plain = await app.inject({
        ...request,
        headers: { accept: '*/*', 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(plain.statusCode, request.url).toBe(status);
      expect(plain.headers['content-type'], request.url).toBe('text/plain; charset=utf-8');
      expect(plain.body, request.url).not.toContain(INTERNAL);
    }
    expect(logs).toContain(INTERNAL);
  });

  it("leaves OAuth problems to the engine: their status and WWW-Authenticate, the engine's page for a browser", async () => {
    const response = await app.inject({ method: 'GET', url: '/oauth/initiate', headers: BROWSER });
    expect(response.statusCode).toBe(405);
    expect(response.headers['www-authenticate']).toContain('oauth_problem="method_not_allowed"');
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.body).toContain('method_not_allowed');
    // Not the site's error page: that is for what is not an OAuth problem.
    expect(response.body).not.toContain('/static/style.css');
    const client = await app.inject({ method: 'GET', url: '/oauth/initiate', headers: { accept: '*/*' } });
    expect(client.headers['content-type']).toBe('application/x-www-form-urlencoded');
  });

  it('answers an unknown path or an undecodable URL without echoing it (a PLAINTEXT signature is the secrets)', async () => {
    const secret = 'consumersecret1234%26tokensecret5678';
    const query = `?oauth_signature_method=PLAINTEXT&oauth_signature=${secret}`;
    for (const [method, url] of [
      ['GET', `/api/v1/nowhere${query}`],
      ['PATCH', `/api/v1/notes/15${query}`],
      ['GET', `//api/v1/me${query}`],
      ['DELETE', `/api/v1/notes/%zz${query}`],
    ] as const) {
      const response = await app.inject({ method, url, headers: { accept: 'application/json' } });
      expect(response.statusCode, `${method} ${url}`).toBeGreaterThanOrEqual(400);
      expect(response.statusCode, `${method} ${url}`).toBeLessThan(500);
      expect(response.body, `${method} ${url}`).not.toContain('consumersecret1234');
      expect(response.body, `${method} ${url}`).not.toContain('oauth_signature');
      expect(response.headers['x-content-type-options'], `${method} ${url}`).toBe('nosniff');
    }
  });
});
