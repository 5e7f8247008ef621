/**
 * The one store suite every store implementation runs: the contract of `src/stores/store.ts`,
 * including the atomic operations under concurrency.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccessToken, Consumer, RequestToken } from '../../src/provider/model.js';
import { type AppData, PROBLEMS_KEPT } from '../../src/stores/app-data.js';
import type { NonceStore, Store } from '../../src/stores/store.js';

export function consumerFixture(overrides: Partial<Consumer> = {}): Consumer {
  return {
    key: 'k'.repeat(32),
    secret: 's'.repeat(32),
    name: 'Printer',
    description: 'Prints photos',
    owner: 'alice',
    callback: 'https://printer.example.com/ready',
    scopes: ['read_public', 'write_private'],
    signatureMethods: ['HMAC-SHA1', 'RSA-SHA256'],
    twoLegged: true,
    rsaPublicKey: '-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n',
    status: 'active',
    createdAt: 1_700_000_000_000,
    ...overrides,
  };
}

export function requestTokenFixture(overrides: Partial<RequestToken> = {}): RequestToken {
  return {
    token: 'r'.repeat(32),
    secret: 'rs'.repeat(16),
    consumerKey: 'k'.repeat(32),
    callback: 'https://printer.example.com/ready',
    scopes: ['read_public'],
    state: 'pending',
    verifierFailures: 0,
    createdAt: 1_700_000_000_000,
    expiresAt: 1_700_000_300_000,
    ...overrides,
  };
}

export function accessTokenFixture(overrides: Partial<AccessToken> = {}): AccessToken {
  return {
    token: 'a'.repeat(32),
    secret: 'as'.repeat(16),
    consumerKey: 'k'.repeat(32),
    user: 'bob',
    scopes: ['read_public'],
    createdAt: 1_700_000_100_000,
    ...overrides,
  };
}

/**
 * Runs the nonce part of the contract against fresh nonce stores from `open`. A store that expires
 * nonces by its own clock (Redis) rather than by the `now` it is given skips the steps that move
 * `now` past an expiry; its own tests wait for that in real time.
 */
export function runNonceSuite(
  name: string,
  open: () => Promise<NonceStore>,
  cleanup?: () => Promise<void>,
  { expiresByGivenClock = true } = {},
): void {
  describe(`${name} nonces`, () => {
    let store: NonceStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
      await cleanup?.();
    });

    if (expiresByGivenClock) {
      it('records a nonce once until it expires', async () => {
        expect(await store.recordNonce('n1', 1000, 2000)).toBe(true);
        expect(await store.recordNonce('n1', 1500, 2500)).toBe(false);
        expect(await store.recordNonce('n2', 1500, 2500)).toBe(true);
        expect(await store.recordNonce('n1', 2000, 3000)).toBe(true);
        expect(await store.recordNonce('n1', 2999, 4000)).toBe(false);
      });
    }

    it('of 100 concurrent records of one nonce, exactly one succeeds', async () => {
      const results = await Promise.all(
        Array.from({ length: 100 }, async () => store.recordNonce('same', 1000, 5000)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('never records a nonce whose expiry is not after now', async () => {
      expect(await store.recordNonce('late', 5000, 5000)).toBe(false);
      expect(await store.recordNonce('late', 5000, 4000)).toBe(false);
      // Nothing was held: the same key with time left is new, and then refused.
      expect(await store.recordNonce('late', 5000, 65_000)).toBe(true);
      expect(await store.recordNonce('late', 5000, 65_000)).toBe(false);
    });

    it('refuses a nonce up to its expiry', async () => {
      expect(await store.recordNonce('edge', 1000, 61_000)).toBe(true);
      expect(await store.recordNonce('edge', 60_999, 61_000)).toBe(false);
      if (!expiresByGivenClock) return;
      expect(await store.recordNonce('edge', 61_000, 61_000)).toBe(false);
      // Recorded in the last millisecond of its time, and replayed in that millisecond.
      expect(await store.recordNonce('last', 60_999, 61_000)).toBe(true);
      expect(await store.recordNonce('last', 60_999, 61_000)).toBe(false);
      expect(await store.recordNonce('last', 61_000, 61_000)).toBe(false);
    });
  });
}

/** Runs the whole contract against fresh stores from `open`; `close` cleans one up. */
export function runStoreSuite(
  name: string,
  open: () => Promise<Store & AppData>,
  cleanup?: () => Promise<void>,
): void {
  runNonceSuite(name, open, cleanup);
  describe(`${name} store`, () => {
    let store: Store & AppData;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
      await cleanup?.();
    });

    it('stores, replaces, lists and deletes consumers', async () => {
      const consumer = consumerFixture();
      await store.putConsumer(consumer);
      expect(await store.getConsumer(consumer.key)).toEqual(consumer);
      await store.putConsumer({
        ...consumer,
        status: 'suspended',
        description: undefined,
        rsaPublicKey: undefined,
      });
      expect(await store.getConsumer(consumer.key)).toMatchObject({
        status: 'suspended',
        description: undefined,
      });
      await store.putConsumer(consumerFixture({ key: 'j'.repeat(32), createdAt: 1_800_000_000_000 }));
      await store.putConsumer(consumerFixture({ key: 'x'.repeat(32), owner: 'carol' }));
      expect((await store.listConsumers('alice')).map((c) => c.key)).toEqual([
        'j'.repeat(32),
        'k'.repeat(32),
      ]);
      expect(await store.getConsumer('nope')).toBeUndefined();
    });

    it('deleting a consumer deletes its tokens', async () => {
      await store.putConsumer(consumerFixture());
      await store.createRequestToken(
        requestTokenFixture({ state: 'authorized', user: 'bob', verifier: 'v' }),
      );
      await store.exchangeRequestToken('r'.repeat(32), accessTokenFixture());
      await store.deleteConsumer('k'.repeat(32));
      expect(await store.getConsumer('k'.repeat(32))).toBeUndefined();
      expect(await store.getRequestToken('r'.repeat(32))).toBeUndefined();
      expect(await store.getAccessToken('a'.repeat(32))).toBeUndefined();
    });

    it('stores users and updates their status', async () => {
      await store.putUser({ name: 'bob', status: 'active', passwordHash: 'scrypt$x', createdAt: 5 });
      await store.putUser({ name: 'bob', status: 'suspended', passwordHash: 'scrypt$x', createdAt: 5 });
      expect(await store.getUser('bob')).toEqual({
        name: 'bob',
        status: 'suspended',
        passwordHash: 'scrypt$x',
        createdAt: 5,
      });
      expect(await store.getUser('nobody')).toBeUndefined();
    });

    it('decides a request token once', async () => {
      await store.createRequestToken(requestTokenFixture());
      expect(await store.getRequestToken('r'.repeat(32))).toEqual(requestTokenFixture());
      const decision = {
        state: 'authorized',
        user: 'bob',
        grantedScopes: ['read_public'],
        verifier: 'v'.repeat(32),
      } as const;
      expect(await store.decideRequestToken('r'.repeat(32), decision)).toBe(true);
      expect(await store.decideRequestToken('r'.repeat(32), { state: 'denied', user: 'bob' })).toBe(false);
      expect(await store.getRequestToken('r'.repeat(32))).toMatchObject({
        state: 'authorized',
        user: 'bob',
        grantedScopes: ['read_public'],
        verifier: 'v'.repeat(32),
      });
      expect(await store.decideRequestToken('missing', decision)).toBe(false);
    });

    it('counts verifier failures up to the limit, then none', async () => {
      await store.createRequestToken(requestTokenFixture());
      expect(await store.recordVerifierFailure('r'.repeat(32), 3)).toBe(1);
      expect(await store.recordVerifierFailure('r'.repeat(32), 3)).toBe(2);
      expect((await store.getRequestToken('r'.repeat(32)))?.verifierFailures).toBe(2);
      expect(await store.recordVerifierFailure('r'.repeat(32), 3)).toBe(3);
      expect(await store.recordVerifierFailure('r'.repeat(32), 3)).toBeUndefined();
      expect((await store.getRequestToken('r'.repeat(32)))?.verifierFailures).toBe(3);
      expect(await store.recordVerifierFailure('missing', 3)).toBeUndefined();
    });

    it('of 50 concurrent verifier failures at one request token, only the limit are counted', async () => {
      await store.createRequestToken(
        requestTokenFixture({ state: 'authorized', user: 'bob', verifier: 'v'.repeat(32) }),
      );
      const failures = await Promise.all(
        Array.from({ length: 50 }, () => store.recordVerifierFailure('r'.repeat(32), 5)),
      );
      const counted = failures.filter((f): f is number => f !== undefined).sort((a, b) => a - b);
      expect(counted).toEqual([1, 2, 3, 4, 5]);
      // The count the engine reads before it takes a right verifier: the token is dead.
      expect((await store.getRequestToken('r'.repeat(32)))?.verifierFailures).toBe(5);
      expect(await store.recordVerifierFailure('r'.repeat(32), 5)).toBeUndefined();
    });

    it('exchanges only an authorized request token, and only once', async () => {
      await store.createRequestToken(requestTokenFixture());
      expect(await store.exchangeRequestToken('r'.repeat(32), accessTokenFixture())).toBe(false);
      await store.decideRequestToken('r'.repeat(32), {
        state: 'authorized',
        user: 'bob',
        grantedScopes: [],
        verifier: 'v',
      });
      expect(await store.exchangeRequestToken('r'.repeat(32), accessTokenFixture())).toBe(true);
      expect(
        await store.exchangeRequestToken('r'.repeat(32), accessTokenFixture({ token: 'b'.repeat(32) })),
      ).toBe(false);
      expect((await store.getRequestToken('r'.repeat(32)))?.state).toBe('exchanged');
      expect(await store.getAccessToken('a'.repeat(32))).toEqual(accessTokenFixture());
      expect(await store.getAccessToken('b'.repeat(32))).toBeUndefined();
    });

    it('of 50 concurrent exchanges of one request token, exactly one wins', async () => {
      await store.createRequestToken(
        requestTokenFixture({ state: 'authorized', user: 'bob', verifier: 'v' }),
      );
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          store.exchangeRequestToken(
            'r'.repeat(32),
            accessTokenFixture({ token: `t${String(i).padStart(31, '0')}` }),
          ),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      expect(await store.getAccessToken(`t${String(winner).padStart(31, '0')}`)).toBeDefined();
    });

    it('revokes, touches and lists access tokens', async () => {
      await store.createRequestToken(
        requestTokenFixture({ state: 'authorized', user: 'bob', verifier: 'v' }),
      );
      await store.exchangeRequestToken('r'.repeat(32), accessTokenFixture({ expiresAt: 1_900_000_000_000 }));
      await store.touchAccessToken('a'.repeat(32), 1_700_000_200_000);
      expect(await store.revokeAccessToken('a'.repeat(32), 1_700_000_300_000)).toBe(true);
      expect(await store.revokeAccessToken('a'.repeat(32), 1_700_000_400_000)).toBe(true);
      expect(await store.revokeAccessToken('missing', 1)).toBe(false);
      expect(await store.getAccessToken('a'.repeat(32))).toMatchObject({
        lastUsedAt: 1_700_000_200_000,
        revokedAt: 1_700_000_300_000,
        expiresAt: 1_900_000_000_000,
      });
      expect((await store.listAccessTokens('bob')).map((t) => t.token)).toEqual(['a'.repeat(32)]);
      expect(await store.listAccessTokens('carol')).toEqual([]);
    });

    it('keeps the first value of a setting', async () => {
      expect(await store.ensureSetting('cookie', 'one')).toBe('one');
      expect(await store.ensureSetting('cookie', 'two')).toBe('one');
    });

    it('adds, lists and deletes notes per user', async () => {
      const first = await store.addNote('bob', 'hello', 10);
      const second = await store.addNote('bob', 'world', 20);
      await store.addNote('carol', 'other', 30);
      expect(second.id).toBeGreaterThan(first.id);
      expect((await store.listNotes('bob')).map((n) => n.text)).toEqual(['world', 'hello']);
      expect(await store.deleteNote('carol', first.id)).toBe(false);
      expect(await store.deleteNote('bob', first.id)).toBe(true);
      expect(await store.listNotes('bob')).toEqual([
        { id: second.id, user: 'bob', text: 'world', createdAt: 20 },
      ]);
    });

    it('keeps the newest problems per consumer', async () => {
      for (let i = 0; i < PROBLEMS_KEPT + 5; i++) {
        await store.recordProblem({
          at: i,
          consumerKey: 'c1',
          endpoint: 'resource',
          problem: 'nonce_used',
          advice: 'a',
        });
      }
      await store.recordProblem({
        at: 1,
        consumerKey: 'c2',
        endpoint: 'token',
        problem: 'signature_invalid',
        advice: 'b',
        baseString: 'GET&x&y',
      });
      const listed = await store.listProblems('c1');
      expect(listed).toHaveLength(PROBLEMS_KEPT);
      expect(listed[0]?.at).toBe(PROBLEMS_KEPT + 4);
      expect(await store.listProblems('c2')).toEqual([
        {
          at: 1,
          consumerKey: 'c2',
          endpoint: 'token',
          problem: 'signature_invalid',
          advice: 'b',
          baseString: 'GET&x&y',
        },
      ]);
    });
  });
}
