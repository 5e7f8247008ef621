/**
 * Pages carry no secret they do not need: an application's secret only when its owner asks to see
 * it, and the connections page names grants by an opaque id instead of their access tokens.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Consumer } from '../../packages/countersign/src/provider/model.js';
import { createProvider } from '../../packages/countersign/src/provider/provider.js';
import { buildServer } from '../../packages/server/src/server/app.js';
import { MemoryServerData } from '../../packages/server/src/data/memory-data.js';
import { putAccount } from '../support/accounts.js';
import { MemoryStore } from '../../packages/countersign/src/stores/memory-store.js';
import { exchangeWithRightVerifier } from '../stores/store-suite.js';
import { PageClient } from './page-client.js';

const PASSWORD = 'a long pass phrase';

describe('secrets in pages', () => {
  let app: FastifyInstance;
  let store: MemoryStore;
  let consumer: Consumer;
  let ann: PageClient;
  let bob: PageClient;

  beforeAll(async () => {
    store = new MemoryStore();
    const data = new MemoryServerData();
    app = await buildServer({ store, data });
    for (const name of ['ann', 'bob']) {
      await putAccount({ store: store, data }, name, PASSWORD);
    }
    consumer = await createProvider({ store }).registerConsumer({
      name: 'Printer',
      owner: 'ann',
      callback: 'oob',
      scopes: ['read_public'],
      signatureMethods: ['HMAC-SHA1'],
    });
    ann = new PageClient(app);
    bob = new PageClient(app);
    await ann.signIn('ann', PASSWORD);
    await bob.signIn('bob', PASSWORD);
  });
  afterAll(() => app.close());

  const grant = async (user: string, token: string) => {
    await store.createRequestToken({
      token: `rt-${token}`,
      secret: 's',
      consumerKey: consumer.key,
      callback: 'oob',
      scopes: [],
      state: 'authorized',
      user,
      verifier: 'v',
      verifierFailures: 0,
      createdAt: 0,
      expiresAt: Date.now() + 600_000,
    });
    await exchangeWithRightVerifier(store, `rt-${token}`, {
      token,
      secret: `${token}-secret`,
      consumerKey: consumer.key,
      user,
      scopes: [],
      createdAt: Date.now(),
    });
  };

  it('leaves the consumer secret out of the app page until the owner asks for it', async () => {
    const page = await ann.get(`/console/apps/${consumer.key}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(consumer.key);
    expect(page.body).not.toContain(consumer.secret);

    const revealed = await ann.post(`/console/apps/${consumer.key}/secret`);
    expect(revealed.statusCode).toBe(200);
    expect(revealed.body).toContain(consumer.secret);
    expect(revealed.headers['cache-control']).toBe('no-store');

    expect((await ann.post(`/console/apps/${consumer.key}/secret`, { _csrf: 'forged' })).statusCode).toBe(
      403,
    );
    await bob.get('/console');
    const other = await bob.post(`/console/apps/${consumer.key}/secret`);
    expect(other.statusCode).toBe(404);
    expect(other.body).not.toContain(consumer.secret);
  });

  it('names grants on the connections page by an opaque id, and revokes only the user’s own', async () => {
    await grant('ann', 'ann-access-token-0123456789abcdef');
    await grant('bob', 'bob-access-token-0123456789abcdef');
    const annPage = await ann.get('/connections');
    expect(annPage.body).toContain('Printer');
    expect(annPage.body).not.toContain('ann-access-token-0123456789abcdef');
    const annId = /name="connection"\s+value="([^"]+)"/.exec(annPage.body)?.[1] ?? '';
    expect(annId).toMatch(/^[\w-]{43}$/);

    // Bob posting Ann's id, or her token itself, revokes nothing.
    await bob.get('/connections');
    expect((await bob.post('/connections/revoke', { connection: annId })).statusCode).toBe(303);
    expect(
      (await bob.post('/connections/revoke', { connection: 'ann-access-token-0123456789abcdef' })).statusCode,
    ).toBe(303);
    expect(store.getAccessToken('ann-access-token-0123456789abcdef')?.revokedAt).toBeUndefined();

    expect((await ann.post('/connections/revoke', { connection: annId })).statusCode).toBe(303);
    expect(store.getAccessToken('ann-access-token-0123456789abcdef')?.revokedAt).toBeDefined();
    expect(store.getAccessToken('bob-access-token-0123456789abcdef')?.revokedAt).toBeUndefined();
  });
});
