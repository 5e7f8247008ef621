/**
 * The console's application pages without a browser: the edit page (through the engine, checked as
 * registration is), rotation confirmed with a grace period shown on the page and ended at once, the
 * previous secret's uses in the problem log, deletion confirmed, and the copy buttons' script.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signRequest } from '../../packages/countersign/src/client/sign-request.js';
import type { Consumer } from '../../packages/countersign/src/provider/model.js';
import { createProvider } from '../../packages/countersign/src/provider/provider.js';
import type { MemoryStore } from '../../packages/countersign/src/stores/memory-store.js';
import type { MemoryServerData } from '../../packages/server/src/data/memory-data.js';
import { PageClient, serverWithUser, USER_PASSWORD } from './page-client.js';

const START = Date.UTC(2030, 0, 15, 12, 0, 0);
const HOUR = 3_600_000;

describe('the console application pages', () => {
  let app: FastifyInstance;
  let store: MemoryStore;
  let data: MemoryServerData;
  let ann: PageClient;
  let consumer: Consumer;
  let now = START;

  beforeAll(async () => {
    ({ app, store, data } = await serverWithUser('ann', { clock: () => now }));
    ann = new PageClient(app);
    expect((await ann.signIn('ann', USER_PASSWORD)).statusCode).toBe(303);
  });
  afterAll(() => app.close());

  beforeEach(async () => {
    now = START;
    consumer = await createProvider({ store, clock: () => now }).registerConsumer({
      name: 'Printer',
      owner: 'ann',
      callback: 'https://printer.example/cb',
      scopes: ['read_public', 'custom:scope'],
      signatureMethods: ['HMAC-SHA1'],
      twoLegged: true,
    });
  });

  const appUrl = () => `/console/apps/${consumer.key}`;

  /** A two-legged GET of the sample API signed with `secret`. */
  const callApi = (secret: string) =>
    app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: {
        host: 'localhost',
        authorization: signRequest({
          method: 'GET',
          url: 'http://localhost/api/v1/me',
          consumerKey: consumer.key,
          consumerSecret: secret,
          timestamp: String(Math.floor(now / 1000)),
        }).authorization,
      },
    });

  /** Lets the problem log's batch be written. */
  const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

  const notice = (response: LightMyRequestResponse) =>
    decodeURIComponent(
      new URL(response.headers.location as string, 'http://x').searchParams.get('done') ?? '',
    );

  describe('edit', () => {
    it('shows the settings, saves them through the engine, and keeps a scope the form does not list', async () => {
      const page = await ann.get(`${appUrl()}/edit`);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('value="Printer"');
      expect(page.body).toContain('value="https://printer.example/cb"');
      expect(page.body).toMatch(/id="scopes-\d"\s+name="scopes"\s+value="custom:scope"\s+checked/);
      const saved = await ann.post(`${appUrl()}/edit`, [
        ['name', 'Photo Printer'],
        ['description', 'Prints'],
        ['callback', 'oob'],
        ['scopes', 'read_public'],
        ['scopes', 'custom:scope'],
        ['methods', 'HMAC-SHA1'],
        ['methods', 'HMAC-SHA256'],
        ['rsa_public_key', ''],
      ]);
      expect(saved.statusCode).toBe(303);
      expect(notice(saved)).toBe('The settings were saved.');
      expect(store.getConsumer(consumer.key)).toMatchObject({
        key: consumer.key,
        secret: consumer.secret,
        name: 'Photo Printer',
        description: 'Prints',
        callback: 'oob',
        scopes: ['read_public', 'custom:scope'],
        signatureMethods: ['HMAC-SHA1', 'HMAC-SHA256'],
        twoLegged: false,
      });
      // Two-legged use was unticked: the engine refuses it at once.
      const refused = await callApi(consumer.secret);
      expect(refused.headers['www-authenticate']).toContain('oauth_problem="consumer_key_invalid"');
    });

    it('refuses what registration refuses with the form again, saying why, and changes nothing', async () => {
      for (const [field, value, why] of [
        ['callback', 'ftp://printer.example/', /callback/],
        ['methods', 'RSA-SHA1', /RSA methods need an RSA public key/],
        ['rsa_public_key', 'not a key', /RSA public key/],
        ['name', '   ', /name must be 1 to 100 characters/],
      ] as const) {
        const fields: [string, string][] = [
          ['name', 'Printer'],
          ['callback', 'oob'],
          ['methods', 'HMAC-SHA1'],
        ];
        const sent = [...fields.filter(([name]) => name !== field), [field, value] as [string, string]];
        const response = await ann.post(`${appUrl()}/edit`, sent);
        expect(response.statusCode, field).toBe(400);
        expect(response.body).toMatch(why);
        expect(response.body).toContain('<form method="post" action="/console/apps/');
      }
      expect(store.getConsumer(consumer.key)).toEqual(consumer);
    });

    it("is another user's application: not found, and CSRF-protected", async () => {
      const bobs = await createProvider({ store }).registerConsumer({
        name: 'Bob',
        owner: 'bob',
        callback: 'oob',
      });
      expect((await ann.get(`/console/apps/${bobs.key}/edit`)).statusCode).toBe(404);
      expect((await ann.post(`/console/apps/${bobs.key}/edit`, { name: 'Taken' })).statusCode).toBe(404);
      expect(store.getConsumer(bobs.key)?.name).toBe('Bob');
      const forged = await ann.post(`${appUrl()}/edit`, { _csrf: 'forged', name: 'X', callback: 'oob' });
      expect(forged.statusCode).toBe(403);
      expect(store.getConsumer(consumer.key)?.name).toBe('Printer');
    });
  });

  describe('rotation', () => {
    it('asks first: a POST without the confirmation shows the choice and rotates nothing', async () => {
      const page = await ann.get(`${appUrl()}/rotate`);
      expect(page.statusCode).toBe(200);
      for (const seconds of ['0', '3600', '86400']) expect(page.body).toContain(`value="${seconds}"`);
      const unconfirmed = await ann.post(`${appUrl()}/rotate`);
      expect(unconfirmed.statusCode).toBe(200);
      expect(unconfirmed.body).toContain('How long the old secret keeps working');
      expect(store.getConsumer(consumer.key)?.secret).toBe(consumer.secret);
      const odd = await ann.post(`${appUrl()}/rotate`, { confirm: 'rotate', grace: '12345' });
      expect(odd.statusCode).toBe(400);
      expect(store.getConsumer(consumer.key)?.secret).toBe(consumer.secret);
    });

    it('keeps the old secret working for the chosen hour, shows it, logs its use once a minute, and ends it now', async () => {
      const rotated = await ann.post(`${appUrl()}/rotate`, { confirm: 'rotate', grace: '3600' });
      expect(rotated.statusCode).toBe(303);
      expect(notice(rotated)).toContain('the old one keeps working until 2030-01-15 13:00 UTC');
      const stored = store.getConsumer(consumer.key);
      expect(stored?.secret).not.toBe(consumer.secret);
      expect(stored?.previousSecret).toEqual({ secret: consumer.secret, expiresAt: START + HOUR });

      const page = await ann.get(appUrl());
      expect(page.body).toContain('Still accepted until <strong>2030-01-15 13:00 UTC</strong>');
      expect(page.body).toContain(`action="/console/apps/${consumer.key}/end-previous-secret"`);
      // Neither secret is in the page until revealed.
      expect(page.body).not.toContain(consumer.secret);
      expect(page.body).not.toContain(stored?.secret);

      expect((await callApi(consumer.secret)).statusCode).toBe(200);
      expect((await callApi(consumer.secret)).statusCode).toBe(200);
      await settle();
      const events = await data.listProblems(consumer.key);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ problem: 'previous_secret', endpoint: 'resource' });
      expect(events[0]?.advice).toContain(
        'signed with the previous secret, which stops working at 2030-01-15 13:00 UTC',
      );
      const logged = await ann.get(appUrl());
      expect(logged.body).toContain('accepted with the previous secret');
      expect(logged.body).not.toContain(consumer.secret);

      const ended = await ann.post(`${appUrl()}/end-previous-secret`);
      expect(notice(ended)).toBe('The previous secret is no longer accepted.');
      expect(store.getConsumer(consumer.key)?.previousSecret).toBeUndefined();
      expect((await callApi(consumer.secret)).statusCode).toBe(401);
      expect((await ann.get(appUrl())).body).not.toContain('Still accepted until');
    });

    it('with no grace period refuses the old secret at once; after 24 hours the old one is refused', async () => {
      await ann.post(`${appUrl()}/rotate`, { confirm: 'rotate', grace: '0' });
      expect(store.getConsumer(consumer.key)?.previousSecret).toBeUndefined();
      expect((await callApi(consumer.secret)).statusCode).toBe(401);

      const second = store.getConsumer(consumer.key)?.secret ?? '';
      await ann.post(`${appUrl()}/rotate`, { confirm: 'rotate', grace: '86400' });
      now = START + 24 * HOUR - 1000;
      expect((await callApi(second)).statusCode).toBe(200);
      now = START + 24 * HOUR;
      expect((await callApi(second)).statusCode).toBe(401);
      expect((await ann.get(appUrl())).body).not.toContain('Still accepted until');
    });
  });

  describe('deletion', () => {
    it('asks first, and deletes only on the confirming POST', async () => {
      expect((await ann.get(`${appUrl()}/delete`)).body).toContain('Delete Printer?');
      const unconfirmed = await ann.post(`${appUrl()}/delete`);
      expect(unconfirmed.body).toContain('Delete Printer?');
      expect(store.getConsumer(consumer.key)).toBeDefined();
      const deleted = await ann.post(`${appUrl()}/delete`, { confirm: 'delete' });
      expect(deleted.statusCode).toBe(200);
      expect(deleted.body).toContain('Printer was deleted.');
      expect(store.getConsumer(consumer.key)).toBeUndefined();
    });
  });

  describe('copy buttons', () => {
    it('are hidden in the HTML and shown by a script from the site, which the CSP allows', async () => {
      const page = await ann.get(appUrl());
      expect(page.body).toContain('<script src="/static/console.js" defer></script>');
      expect(page.body).toMatch(
        /<button type="button" class="secondary small" data-copy="consumer-key" hidden>/,
      );
      expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
      const script = await app.inject({ method: 'GET', url: '/static/console.js' });
      expect(script.statusCode).toBe(200);
      expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect(script.body).toContain('navigator.clipboard.writeText');
    });
  });
});
