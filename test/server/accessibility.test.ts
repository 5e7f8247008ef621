/**
 * Every page of the reference server in Chromium at a phone's width (390 px), and the engine's
 * problem page a browser gets: axe-core finds no serious or critical violation (WCAG 2.1 A and AA:
 * labels, contrast, names, landmarks), and the page does not scroll sideways. Also: input borders
 * at 3:1 against their background, a visible focus ring, the confirmation steps working with
 * JavaScript off, and the copy buttons with it on. A screenshot of each page goes to
 * `.artifacts/screenshots/390px/` (not committed).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../packages/countersign/src/client/sign-request.js';
import type { Consumer } from '../../packages/countersign/src/provider/model.js';
import { createProvider, type Provider } from '../../packages/countersign/src/provider/provider.js';
import { buildServer } from '../../packages/server/src/server/app.js';
import { SqliteServerData } from '../../packages/server/src/data/sqlite-data.js';
import { putAccount } from '../support/accounts.js';
import { SqliteStore } from '../../packages/sqlite/src/sqlite-store.js';
import { hasChromium, launch } from './browser-support.js';

const shots = new URL('../../.artifacts/screenshots/390px/', import.meta.url);
const WIDTH = 390;
const PASSWORD = 'correct horse battery';

/** A store whose console listing fails for one account, to show a real 500 page. */
class StoreFailingFor extends SqliteStore {
  override listConsumers(owner: string) {
    if (owner === 'crash') return Promise.reject(new Error('store failure for the 500 page'));
    return super.listConsumers(owner);
  }
}

/** WCAG relative luminance of `rgb(r, g, b)`. */
function luminance(rgb: string): number {
  const [r = 0, g = 0, b = 0] = (rgb.match(/\d+(\.\d+)?/g) ?? []).map(Number).map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/**
 * The value of a script run in the page. Written as text: the tests are type-checked without the
 * DOM's types, which only the page has.
 */
const inPage = <T>(on: Page, expression: string) => on.evaluate<T>(expression);

const contrast = (a: string, b: string) => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
};

describe.skipIf(!hasChromium)('every page at 390 px, checked by axe-core', { timeout: 90_000 }, () => {
  let dir: string;
  let store: StoreFailingFor;
  let app: FastifyInstance;
  let provider: Provider;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let consumer: Consumer;
  const checked: string[] = [];

  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'countersign-a11y-'));
    store = new StoreFailingFor(join(dir, 'countersign.db'));
    const data = new SqliteServerData(store.database, undefined);
    app = await buildServer({ store, data });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    provider = createProvider({ store });
    for (const name of ['ann', 'crash', 'limited']) await putAccount({ store, data }, name, PASSWORD);
    consumer = await provider.registerConsumer({
      name: 'Photo Printer with a rather long name for a phone',
      description: 'Prints the photos you choose, on paper of the size you choose.',
      owner: 'ann',
      callback: `${base}/callback/of/a/length/that/does/not/fit/on/a/phone/screen`,
      scopes: ['read_public', 'read_private', 'write_private'],
      signatureMethods: ['HMAC-SHA1', 'HMAC-SHA256'],
      twoLegged: true,
    });
    browser = await launch();
    context = await browser.newContext({ viewport: { width: WIDTH, height: 844 } });
    page = await context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs axe and the width check on the page `page` shows now. */
  async function check(name: string, on: Page = page): Promise<void> {
    const results = await new AxeBuilder({ page: on })
      .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])
      .analyze();
    const serious = results.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    expect(serious, name).toEqual([]);
    const width = await inPage<number>(on, 'document.documentElement.scrollWidth');
    expect(width, `${name} scrolls sideways`).toBeLessThanOrEqual(WIDTH);
    await on.screenshot({ path: `${new URL(`${name}.png`, shots).pathname}`, fullPage: true });
    checked.push(name);
  }

  async function signIn(as: Page, name: string) {
    await as.goto(`${base}/login`);
    await as.fill('#name', name);
    await as.fill('#password', PASSWORD);
    await as.click('button[type=submit]');
    await as.waitForURL(`${base}/console`);
  }

  it('sign-up and sign-in', async () => {
    await page.goto(`${base}/signup`);
    await check('signup');
    await page.goto(`${base}/login`);
    await page.fill('#name', 'ann');
    await page.fill('#password', 'wrong password');
    await page.click('button[type=submit]');
    await page.waitForSelector('.error');
    await check('login-error');
    await page.goto(`${base}/`);
    await check('home');
  });

  it('inputs have borders at 3:1 and a visible focus ring', async () => {
    await page.goto(`${base}/login`);
    const { border, background } = await inPage<{ border: string; background: string }>(
      page,
      `(() => {
        const style = getComputedStyle(document.querySelector('#name'));
        return { border: style.borderTopColor, background: style.backgroundColor };
      })()`,
    );
    expect(contrast(border, background)).toBeGreaterThanOrEqual(3);
    await page.keyboard.press('Tab');
    const focused = await inPage<{ style: string; width: number }>(
      page,
      `(() => {
        const style = getComputedStyle(document.activeElement);
        return { style: style.outlineStyle, width: Number.parseFloat(style.outlineWidth) };
      })()`,
    );
    expect(focused.style).not.toBe('none');
    expect(focused.width).toBeGreaterThanOrEqual(2);
  });

  it('the console, the app page with its problems, the edit page and the doctor', async () => {
    await signIn(page, 'ann');
    await check('console');
    await page.goto(`${base}/console/new`);
    await check('register');
    // A refused request with a long URL: the base string in the problems table must wrap.
    const url = `${base}/api/v1/me?${'long_parameter_name=a%20value%20that%20goes%20on&'.repeat(8)}x=1`;
    const wrong = signRequest({ method: 'GET', url, consumerKey: consumer.key, consumerSecret: 'wrong' });
    const refused = await fetch(url, { headers: { authorization: wrong.authorization } });
    expect(refused.status).toBe(401);
    await provider.rotateConsumerSecret(consumer.key, { gracePeriod: 3600 });
    const old = signRequest({
      method: 'GET',
      url: `${base}/api/v1/me`,
      consumerKey: consumer.key,
      consumerSecret: consumer.secret,
    });
    expect((await fetch(`${base}/api/v1/me`, { headers: { authorization: old.authorization } })).status).toBe(
      200,
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    await page.goto(`${base}/console/apps/${consumer.key}`);
    expect(await page.textContent('#problems')).toContain('signature_invalid');
    expect(await page.textContent('#problems')).toContain('accepted with the previous secret');
    expect(await page.textContent('#previous-secret')).toContain('Still accepted until');
    await check('app');
    await page.click('#reveal-secret');
    await page.waitForSelector('#consumer-secret');
    await check('app-secret');
    await page.fill('#doctor-base-string', wrong.baseString.replace(/^GET/, 'get'));
    await page.click('#doctor button[type=submit]');
    await page.waitForSelector('#doctor-result');
    expect(await page.textContent('#doctor-verdict')).toContain('the method is "get"');
    await check('doctor');
    await page.goto(`${base}/console/apps/${consumer.key}/edit`);
    await check('edit');
    await page.fill('#callback', 'not a url');
    await page.click('button[type=submit]');
    await page.waitForSelector('.error');
    await check('edit-error');
  });

  it('the confirmation steps work with JavaScript off', async () => {
    const noScript = await browser.newContext({
      viewport: { width: WIDTH, height: 844 },
      javaScriptEnabled: false,
    });
    const plain = await noScript.newPage();
    await signIn(plain, 'ann');
    const other = await provider.registerConsumer({ name: 'Scanner', owner: 'ann', callback: 'oob' });
    await plain.goto(`${base}/console/apps/${other.key}`);
    await plain.click('#rotate');
    await plain.waitForURL(/\/rotate$/);
    await plain.check('#grace-86400');
    await plain.click('#confirm-rotate');
    await plain.waitForURL(/\?done=/);
    expect(await plain.textContent('.notice')).toContain('the old one keeps working until');
    expect(store.getConsumer(other.key)?.previousSecret?.secret).toBe(other.secret);
    await plain.click('#previous-secret button');
    await plain.waitForURL(/\?done=/);
    expect(store.getConsumer(other.key)?.previousSecret).toBeUndefined();
    await plain.click('#delete');
    await plain.waitForURL(/\/delete$/);
    await plain.click('#confirm-delete');
    await plain.waitForSelector('.notice');
    expect(store.getConsumer(other.key)).toBeUndefined();
    await noScript.close();
  });

  it('the confirmation pages (axe runs as a script, so with JavaScript on)', async () => {
    await page.goto(`${base}/console/apps/${consumer.key}/rotate`);
    await check('rotate-confirm');
    await page.goto(`${base}/console/apps/${consumer.key}/delete`);
    await check('delete-confirm');
  });

  it('copies the key and the secret with the clipboard API', async () => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    await page.goto(`${base}/console/apps/${consumer.key}`);
    await page.click('button[data-copy="consumer-key"]');
    await page.waitForFunction("document.querySelector('.copy-status').textContent !== ''");
    expect(await page.textContent('.copy-status')).toBe('Copied the key.');
    expect(await inPage(page, 'navigator.clipboard.readText()')).toBe(consumer.key);
    await page.click('#reveal-secret');
    await page.click('button[data-copy="consumer-secret"]');
    await page.waitForFunction("document.querySelector('.copy-status').textContent === 'Copied the secret.'");
    expect(await inPage(page, 'navigator.clipboard.readText()')).toBe(
      store.getConsumer(consumer.key)?.secret,
    );
  });

  it('the account, consent, PIN and connections pages', async () => {
    await page.goto(`${base}/account`);
    await check('account');
    const oob = await provider.registerConsumer({
      name: 'Desk app',
      owner: 'ann',
      callback: 'oob',
      scopes: ['read_public', 'read_private'],
    });
    const initiate = signRequest({
      method: 'POST',
      url: `${base}/oauth/initiate`,
      consumerKey: oob.key,
      consumerSecret: oob.secret,
      extra: { oauth_callback: 'oob' },
    });
    const answer = await fetch(`${base}/oauth/initiate`, {
      method: 'POST',
      headers: { authorization: initiate.authorization },
    });
    const token = new URLSearchParams(await answer.text()).get('oauth_token') ?? '';
    await page.goto(`${base}/oauth/authorize?oauth_token=${token}`);
    await check('consent');
    await page.click('#approve');
    await page.waitForSelector('#pin');
    await check('pin');
    const verifier = (await page.textContent('#pin'))?.trim() ?? '';
    const secret = store.getRequestToken(token)?.secret ?? '';
    const exchange = signRequest({
      method: 'POST',
      url: `${base}/oauth/token`,
      consumerKey: oob.key,
      consumerSecret: oob.secret,
      token,
      tokenSecret: secret,
      extra: { oauth_verifier: verifier },
    });
    expect(
      (
        await fetch(`${base}/oauth/token`, {
          method: 'POST',
          headers: { authorization: exchange.authorization },
        })
      ).status,
    ).toBe(200);
    await page.goto(`${base}/connections`);
    expect(await page.textContent('#connections')).toContain('Desk app');
    await check('connections');
  });

  it("the LMS registration page, an LTI launch, and the engine's problem page for a browser", async () => {
    await page.goto(`${base}/console/new-lms`);
    await check('register-lms');
    const lms = await provider.registerConsumer({ name: 'Moodle of School A', owner: 'ann', lti: true });
    const launch: [string, string][] = [
      ['lti_message_type', 'basic-lti-launch-request'],
      ['lti_version', 'LTI-1p0'],
      ['resource_link_id', '17'],
      ['resource_link_title', 'Quiz one, with a title too long for a phone screen to hold on one line'],
      ['user_id', '42'],
      ['roles', 'Learner'],
      ['lis_person_name_full', 'Grace Hopper'],
      ['context_id', '8'],
      ['context_title', 'Compilers'],
      ['oauth_callback', 'about:blank'],
    ];
    const { oauthParameters } = signRequest({
      method: 'POST',
      url: `${base}/lti/launch`,
      form: launch,
      consumerKey: lms.key,
      consumerSecret: lms.secret,
    });
    // The LMS's page: a form the browser submits to the tool, as an LMS launches.
    const fields = [...launch, ...oauthParameters]
      .map(
        ([name, value]) => `<input type="hidden" name="${name}" value="${value.replaceAll('"', '&quot;')}">`,
      )
      .join('');
    await page.goto(`${base}/nowhere-but-this-origin`);
    await page.setContent(
      `<form method="post" action="${base}/lti/launch">${fields}<button>Launch</button></form>`,
    );
    await page.click('button');
    await page.waitForURL(`${base}/lti/launch`);
    expect(await page.textContent('main')).toContain('Grace Hopper');
    await check('lti-launch');
    const problem = await page.goto(`${base}/api/v1/me`);
    expect(problem?.status()).toBe(400);
    expect(problem?.headers()['www-authenticate']).toContain('oauth_problem="parameter_absent"');
    await check('problem-page');
  });

  it('the error pages: 403 (CSRF), 404, 429 and 500', async () => {
    await page.goto(`${base}/console/apps/${consumer.key}/edit`);
    await page.evaluate(
      "for (const input of document.querySelectorAll('input[name=_csrf]')) input.value = 'forged'",
    );
    await page.click('button[type=submit]');
    await page.waitForSelector('h1:text("Form expired")');
    await check('error-403');
    const notFound = await page.goto(`${base}/console/apps/no-such-app`);
    expect(notFound?.status()).toBe(404);
    await check('error-404');
    const api = await page.goto(`${base}/api/v1/notes/%zz`);
    expect(api?.status()).toBe(400);
    expect(api?.headers()['content-type']).toBe('text/html; charset=utf-8');
    await check('error-400-api');

    const crash = await browser.newContext({ viewport: { width: WIDTH, height: 844 } });
    const crashing = await crash.newPage();
    await crashing.goto(`${base}/login`);
    await crashing.fill('#name', 'crash');
    await crashing.fill('#password', PASSWORD);
    await crashing.click('button[type=submit]');
    await crashing.waitForSelector('h1:text("Something went wrong")');
    await check('error-500', crashing);
    await crash.close();

    const limited = await browser.newContext({ viewport: { width: WIDTH, height: 844 } });
    const tries = await limited.newPage();
    await signIn(tries, 'limited');
    let status = 0;
    for (let i = 0; i < 8 && status !== 429; i++) {
      await tries.goto(`${base}/account`);
      await tries.fill('#current', 'not the password');
      await tries.fill('#password', 'another long password');
      const [response] = await Promise.all([tries.waitForNavigation(), tries.click('button[type=submit]')]);
      status = response?.status() ?? 0;
    }
    expect(status).toBe(429);
    await check('error-429', tries);
    await limited.close();
  });

  it('checked every page', () => {
    expect(checked).toEqual(
      expect.arrayContaining([
        'signup',
        'login-error',
        'home',
        'console',
        'register',
        'app',
        'app-secret',
        'doctor',
        'edit',
        'edit-error',
        'rotate-confirm',
        'delete-confirm',
        'account',
        'consent',
        'pin',
        'connections',
        'error-403',
        'error-404',
        'error-400-api',
        'error-500',
        'error-429',
        'register-lms',
        'lti-launch',
        'problem-page',
      ]),
    );
  });
});
