/**
 * A store as an application writes one for the engine alone: the `EngineStore` methods over maps,
 * no users, no admin part, its consumers put in by the application's own code. It passes the engine
 * part of the shared suite, a provider on it runs the three-legged flow for a user it never held,
 * and the operations that need the admin part say which method the store lacks.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createProvider,
  type EngineStore,
  type NonceStore,
  type OAuthRequest,
  parseFormEncoded,
  withNonceStore,
} from 'countersign';
import { signRequest, type SignRequestOptions } from 'countersign/client';
import { consumerFixture, runEngineSuite } from 'countersign/testing';
import { EngineMapStore } from '../support/engine-map-store.js';

runEngineSuite({
  name: 'an engine-only map store',
  open: () => new EngineMapStore(),
  putConsumer: (store, consumer) => void store.consumers.set(consumer.key, consumer),
  test: { describe, it, beforeEach, afterEach },
});

const NOW = 1_800_000_000_000;
const CONSUMER = consumerFixture({ signatureMethods: ['HMAC-SHA1'], rsaPublicKey: undefined });

function signed(path: string, options: Partial<SignRequestOptions> = {}): OAuthRequest {
  const method = path.startsWith('/oauth/') ? 'POST' : 'GET';
  const { authorization } = signRequest({
    method,
    url: `http://api.test${path}`,
    consumerKey: CONSUMER.key,
    consumerSecret: CONSUMER.secret,
    timestamp: String(NOW / 1000),
    ...options,
  });
  return { method, target: path, headers: { host: 'api.test', authorization }, secure: false };
}

const pairsOf = (body: string) =>
  Object.fromEntries(parseFormEncoded(body, 'body').map((p) => [p.name, p.value]));

describe('a provider on an engine-only store', () => {
  let store: EngineMapStore;
  beforeEach(() => {
    store = new EngineMapStore();
    store.consumers.set(CONSUMER.key, CONSUMER);
  });

  it('runs the three-legged flow for a user the application authenticated', async () => {
    const provider = createProvider({ store, clock: () => NOW });
    const initiated = await provider.initiate(
      signed('/oauth/initiate', { extra: { oauth_callback: 'https://printer.example.com/ready/1' } }),
    );
    expect(initiated.status).toBe(200);
    const requestToken = pairsOf(initiated.body);
    const token = requestToken.oauth_token ?? '';
    const asked = await provider.authorization(token);
    expect(asked).toMatchObject({
      scopes: ['read_public', 'write_private'],
      callbackHost: 'printer.example.com',
    });
    const decided = await provider.decide(token, {
      user: 'sso|8841',
      approve: true,
      scopes: ['read_public'],
    });
    expect(decided.redirect).toBe(
      `https://printer.example.com/ready/1?oauth_token=${token}&oauth_verifier=${decided.verifier}`,
    );
    const exchanged = await provider.token(
      signed('/oauth/token', {
        token,
        tokenSecret: requestToken.oauth_token_secret ?? '',
        extra: { oauth_verifier: decided.verifier ?? '' },
      }),
    );
    expect(exchanged.status).toBe(200);
    const access = pairsOf(exchanged.body);
    const verified = await provider.verify(
      signed('/photos', { token: access.oauth_token ?? '', tokenSecret: access.oauth_token_secret ?? '' }),
      { scope: 'read_public' },
    );
    expect(verified).toMatchObject({ user: 'sso|8841', scopes: ['read_public'], twoLegged: false });
    expect(store.requestTokens.get(token)?.state).toBe('exchanged');
    expect(store.accessTokens.get(access.oauth_token ?? '')?.lastUsedAt).toBe(NOW);
  });

  it('refuses with a TypeError naming the admin method the store lacks, changing nothing', async () => {
    const provider = createProvider({ store, clock: () => NOW });
    const key = CONSUMER.key;
    const calls: [Promise<unknown>, string][] = [
      [provider.registerConsumer({ name: 'A', owner: 'alice', callback: 'oob' }), 'addConsumer'],
      [provider.updateConsumer(key, { name: 'B' }), 'putConsumer'],
      [provider.rotateConsumerSecret(key), 'putConsumer'],
      [provider.endPreviousSecret(key), 'putConsumer'],
      [provider.suspendConsumer(key), 'putConsumer'],
      [provider.resumeConsumer(key), 'putConsumer'],
      [provider.disableConsumer(key), 'putConsumer'],
      [provider.deleteConsumer(key), 'deleteConsumer'],
      [provider.revokeAccessToken('a'.repeat(32)), 'revokeAccessToken'],
      [provider.addUser('bob'), 'addUser'],
      [provider.suspendUser('bob'), 'getUser'],
      [provider.resumeUser('bob'), 'getUser'],
    ];
    for (const [call, method] of calls) {
      const error = await call.then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toMatch(
        new RegExp(`needs store\\.${method}, which this store does not`),
      );
    }
    expect([...store.consumers.values()]).toEqual([CONSUMER]);
  });

  it('takes a nonce store of its own through withNonceStore, and closes it', async () => {
    const held = new Set<string>();
    let closed = 0;
    const nonces: NonceStore = {
      recordNonce: (key) => !held.has(key) && held.add(key).size > 0,
      close: () => {
        closed++;
        return Promise.resolve();
      },
    };
    const composed = withNonceStore(store, nonces);
    const provider = createProvider({ store: composed, clock: () => NOW });
    const request = signed('/photos', { nonce: 'only-once' });
    expect(await provider.verify(request)).toMatchObject({ twoLegged: true });
    // The nonce went to the nonce store, not to the engine store's own map.
    expect(held.size).toBe(1);
    expect(store.nonces.size).toBe(0);
    await expect(provider.verify(request)).rejects.toMatchObject({ problem: 'nonce_used' });
    // The engine store has no close of its own: closing closes the nonce store alone.
    await composed.close();
    expect(closed).toBe(1);
  });

  it('is refused at createProvider when an engine method is missing, naming it', () => {
    const partial = Object.assign(Object.create(null) as object, {
      getConsumer: () => undefined,
      recordNonce: () => true,
    }) as unknown as EngineStore;
    expect(() => createProvider({ store: partial })).toThrow(
      new TypeError(
        'store.createRequestToken is not a function: a store implements every EngineStore method',
      ),
    );
  });
});
