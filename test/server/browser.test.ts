/**
 * The reference server in a real browser: sign up, register an app, a three-legged flow whose client
 * is `oauth-1.0a` and whose user approves on the consent page, an API call; the deny path; a revoke
 * on the connections page; and a console page showing a `signature_invalid` with its base string.
 * A screenshot of each page goes to `.artifacts/screenshots/` (not committed).
 */
import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import OAuth1a from 'oauth-1.0a';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFormEncoded } from '../../packages/countersign/src/core/parameters.js';
import { buildServer } from '../../packages/server/src/server/app.js';
import { connectionIds } from '../../packages/server/src/server/connection-ids.js';
import { SqliteServerData } from '../../packages/server/src/data/sqlite-data.js';
import { SqliteStore } from '../../packages/sqlite/src/sqlite-store.js';
import { hasChromium, launch } from './browser-support.js';

const shots = new URL('../../.artifacts/screenshots/', import.meta.url);

describe.skipIf(!hasChromium)('the reference server in Chromium', () => {
  let dir: string;
  let store: SqliteStore;
  let data: SqliteServerData;
  let app: FastifyInstance;
  let base: string;
  let browser: Browser;
  let page: Page;
  let callbackServer: Server;
  let callbackUrl: string;
  const callbacks: URLSearchParams[] = [];
  let credentials: { key: string; secret: string };

  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'countersign-browser-'));
    store = new SqliteStore(join(dir, 'countersign.db'));
    data = new SqliteServerData(store.database, undefined);
    app = await buildServer({ store, data });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    callbackServer = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/cb') callbacks.push(url.searchParams);
      res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>Client app: callback received</h1>');
    });
    await new Promise<void>((resolve) => callbackServer.listen(0, '127.0.0.1', resolve));
    callbackUrl = `http://127.0.0.1:${(callbackServer.address() as AddressInfo).port}/cb`;
    browser = await launch();
    page = await browser.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await store?.close();
    callbackServer?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const shot = (name: string) =>
    page.screenshot({ path: new URL(`${name}.png`, shots).pathname, fullPage: true });

  function client(secret = credentials.secret) {
    return new OAuth1a({
      consumer: { key: credentials.key, secret },
      signature_method: 'HMAC-SHA1',
      hash_function: (baseString, key) => createHmac('sha1', key).update(baseString).digest('base64'),
    });
  }

  async function signedFetch(
    url: string,
    method: string,
    token?: { key: string; secret: string },
    extra: Record<string, string> = {},
    secret?: string,
  ) {
    const oauth = client(secret);
    const data = oauth.authorize({ url, method, data: extra }, token);
    return fetch(url, { method, headers: { ...oauth.toHeader({ ...data, ...extra }) } });
  }

  async function initiate(): Promise<{ key: string; secret: string }> {
    const response = await signedFetch(`${base}/oauth/initiate`, 'POST', undefined, {
      oauth_callback: callbackUrl,
    });
    expect(response.status).toBe(200);
    const form = Object.fromEntries(
      parseFormEncoded(await response.text(), 'body').map((p) => [p.name, p.value]),
    );
    expect(form.oauth_callback_confirmed).toBe('true');
    return { key: form.oauth_token ?? '', secret: form.oauth_token_secret ?? '' };
  }

  it('signs up', async () => {
    await page.goto(`${base}/signup`);
    await shot('signup');
    await page.fill('#name', 'alice');
    await page.fill('#password', 'correct horse battery');
    await page.click('button[type=submit]');
    await page.waitForURL(`${base}/console`);
    expect(await page.textContent('h1')).toBe('Your applications');
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === 'cs_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    await shot('console-empty');
  });

  it('registers an application and reads its credentials', async () => {
    await page.click('text=Register an application');
    await page.fill('#name', 'Photo Printer');
    await page.fill('#description', 'Prints your photos');
    await page.fill('#callback', callbackUrl.replace('/cb', '/'));
    await page.check('input[name=scopes][value=read_private]');
    await page.check('input[name=two_legged]');
    await shot('register');
    await page.click('button[type=submit]');
    await page.waitForURL(/\/console\/apps\/[a-z0-9]{32}\?registered=1$/);
    // The secret is not in the page until its owner asks for it.
    expect(await page.$('#consumer-secret')).toBeNull();
    await page.click('#reveal-secret');
    await page.waitForSelector('#consumer-secret');
    credentials = {
      key: (await page.textContent('#consumer-key')) ?? '',
      secret: (await page.textContent('#consumer-secret')) ?? '',
    };
    expect(credentials.key).toMatch(/^[a-z0-9]{32}$/);
    expect(credentials.secret).toMatch(/^[a-z0-9]{32}$/);
    await shot('app');
  });

  let access: { key: string; secret: string };

  it('runs a three-legged flow approved on the consent page, then calls the API', async () => {
    const request = await initiate();
    const consent = await page.goto(`${base}/oauth/authorize?oauth_token=${request.key}`);
    expect(consent?.headers()['x-frame-options']).toBe('DENY');
    expect(consent?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(await page.textContent('h1')).toContain('Photo Printer');
    expect(await page.textContent('.scopes')).toContain('Read your private notes');
    expect(await page.textContent('main')).toContain('127.0.0.1');
    await shot('consent');
    await page.click('#approve');
    await page.waitForURL(/\/cb\?/);
    const callback = callbacks.at(-1);
    expect(callback?.get('oauth_token')).toBe(request.key);
    const verifier = callback?.get('oauth_verifier') ?? '';
    const exchanged = await signedFetch(`${base}/oauth/token`, 'POST', request, { oauth_verifier: verifier });
    expect(exchanged.status).toBe(200);
    const form = Object.fromEntries(
      parseFormEncoded(await exchanged.text(), 'body').map((p) => [p.name, p.value]),
    );
    access = { key: form.oauth_token ?? '', secret: form.oauth_token_secret ?? '' };
    const me = await signedFetch(`${base}/api/v1/me`, 'GET', access);
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({
      user: 'alice',
      application: 'Photo Printer',
      scopes: ['read_public', 'read_private'],
    });
  });

  it('denies on the consent page; the exchange then gets permission_denied', async () => {
    const request = await initiate();
    await page.goto(`${base}/oauth/authorize?oauth_token=${request.key}`);
    await page.click('#deny');
    await page.waitForURL(/\/cb\?/);
    expect(callbacks.at(-1)?.get('oauth_problem')).toBe('permission_denied');
    const exchanged = await signedFetch(`${base}/oauth/token`, 'POST', request, {
      oauth_verifier: 'anything',
    });
    expect(exchanged.status).toBe(403);
    expect(exchanged.headers.get('www-authenticate')).toContain('oauth_problem="permission_denied"');
  });

  it('shows the PIN page for an out-of-band client, and the PIN exchanges', async () => {
    const response = await signedFetch(`${base}/oauth/initiate`, 'POST', undefined, {
      oauth_callback: 'oob',
    });
    const form = Object.fromEntries(
      parseFormEncoded(await response.text(), 'body').map((p) => [p.name, p.value]),
    );
    const request = { key: form.oauth_token ?? '', secret: form.oauth_token_secret ?? '' };
    await page.goto(`${base}/oauth/authorize?oauth_token=${request.key}`);
    expect(await page.textContent('main')).toContain('You will be shown a code');
    await page.click('#approve');
    await page.waitForSelector('#pin');
    const pin = ((await page.textContent('#pin')) ?? '').trim();
    expect(pin).toMatch(/^\d{8}$/);
    await shot('pin');
    const exchanged = await signedFetch(`${base}/oauth/token`, 'POST', request, { oauth_verifier: pin });
    expect(exchanged.status).toBe(200);
  });

  it('revokes on the connections page; the next API call gets token_revoked', async () => {
    await page.goto(`${base}/connections`);
    expect(await page.textContent('#connections')).toContain('Photo Printer');
    await shot('connections');
    expect(await page.content()).not.toContain(access.key);
    // The page names the grant by its opaque id: the same function, under the server's secret.
    const id = connectionIds(await data.ensureSetting('cookie-secret', 'unused'))(access.key);
    await page.click(`#connections form:has(input[value="${id}"]) button`);
    await page.waitForURL(/\/connections\?done=/);
    expect(await page.textContent('main')).toContain('Access revoked.');
    const me = await signedFetch(`${base}/api/v1/me`, 'GET', access);
    expect(me.status).toBe(401);
    expect(me.headers.get('www-authenticate')).toContain('oauth_problem="token_revoked"');
  });

  it('shows a signature_invalid problem with its base string in the console', async () => {
    const url = `${base}/api/v1/me?x=1`;
    const oauth = client('not-the-secret');
    const data = oauth.authorize({ url, method: 'GET' });
    const { oauth_signature: _signature, ...unsigned } = data;
    const clientBase = oauth.getBaseString({ url, method: 'GET' }, unsigned);
    const refused = await fetch(url, { headers: { ...oauth.toHeader(data) } });
    expect(refused.status).toBe(401);
    await page.goto(`${base}/console/apps/${credentials.key}`);
    const row = page.locator('#problems tbody tr').first();
    expect(await row.textContent()).toContain('signature_invalid');
    expect(await row.locator('.base-string').textContent()).toBe(clientBase);
    await shot('app-problems');
  });

  it('signs out, shows the home page, and signs in again', async () => {
    await page.click('button.link');
    await page.waitForURL(`${base}/`);
    expect(await page.textContent('h1')).toBe('An OAuth 1.0a provider');
    await shot('home');
    await page.goto(`${base}/login`);
    await page.fill('#name', 'alice');
    await page.fill('#password', 'wrong password');
    await page.click('button[type=submit]');
    expect(await page.textContent('.error')).toBe('Wrong user name or password.');
    await shot('login-error');
    await page.fill('#password', 'correct horse battery');
    await page.click('button[type=submit]');
    await page.waitForURL(`${base}/console`);
    expect(await page.textContent('#problems, table')).toContain('Photo Printer');
  });
});
