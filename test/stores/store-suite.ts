/**
 * The one store suite every store implementation runs: the contract of `src/provider/store.ts`,
 * including the atomic operations under concurrency.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccessToken, Consumer, RequestToken } from '../../packages/countersign/src/provider/model.js';
import { type AppData, PROBLEMS_KEPT } from '../../packages/countersign/src/stores/app-data.js';
import type { NonceStore, Redemption, Store } from '../../packages/countersign/src/provider/store.js';

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

/**
 * Exchanges an authorized request token with a verifier taken as right, for tests that need an
 * access token issued.
 */
export function exchangeWithRightVerifier(
  store: Pick<Store, 'redeemRequestToken'>,
  requestToken: string,
  accessToken: AccessToken,
): Promise<Redemption> {
  return store.redeemRequestToken(requestToken, { matches: () => true, limit: 5, accessToken });
}

/**
 * Runs the whole contract against fresh stores from `open`; `close` cleans one up. A store that pays
 * a round trip per operation may race fewer `concurrentGuesses` at one request token.
 */
export function runStoreSuite(
  name: string,
  open: () => Promise<Store & AppData>,
  cleanup?: () => Promise<void>,
  { concurrentGuesses = 1000 } = {},
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
      await exchangeWithRightVerifier(store, 'r'.repeat(32), accessTokenFixture());
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

    it('adds a user only under a name not taken, also when many try at once', async () => {
      const user = (hash: string) => ({
        name: 'carol',
        status: 'active' as const,
        passwordHash: hash,
        createdAt: 5,
      });
      const added = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.addUser(user(`scrypt$${i}`))),
      );
      expect(added.filter(Boolean)).toHaveLength(1);
      const winner = added.indexOf(true);
      expect((await store.getUser('carol'))?.passwordHash).toBe(`scrypt$${winner}`);
      expect(await store.addUser(user('scrypt$late'))).toBe(false);
      expect((await store.getUser('carol'))?.passwordHash).toBe(`scrypt$${winner}`);
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

    it('redeems only an authorized request token, and only once', async () => {
      const compared: string[] = [];
      const attempt = (token = 'a'.repeat(32)) => ({
        matches: (stored: string) => (compared.push(stored), stored === 'v'.repeat(32)),
        limit: 5,
        accessToken: accessTokenFixture({ token }),
      });
      expect(await store.redeemRequestToken('missing', attempt())).toEqual({ outcome: 'used' });
      await store.createRequestToken(requestTokenFixture());
      expect(await store.redeemRequestToken('r'.repeat(32), attempt())).toEqual({ outcome: 'used' });
      await store.createRequestToken(requestTokenFixture({ token: 'd'.repeat(32) }));
      await store.decideRequestToken('d'.repeat(32), { state: 'denied', user: 'bob' });
      expect(await store.redeemRequestToken('d'.repeat(32), attempt())).toEqual({ outcome: 'used' });
      expect(compared).toEqual([]);
      await store.decideRequestToken('r'.repeat(32), {
        state: 'authorized',
        user: 'bob',
        grantedScopes: [],
        verifier: 'v'.repeat(32),
      });
      expect(await store.redeemRequestToken('r'.repeat(32), attempt())).toEqual({ outcome: 'exchanged' });
      expect(compared).toEqual(['v'.repeat(32)]);
      expect(await store.redeemRequestToken('r'.repeat(32), attempt('b'.repeat(32)))).toEqual({
        outcome: 'used',
      });
      expect(compared).toHaveLength(1);
      expect((await store.getRequestToken('r'.repeat(32)))?.state).toBe('exchanged');
      expect(await store.getAccessToken('a'.repeat(32))).toEqual(accessTokenFixture());
      expect(await store.getAccessToken('b'.repeat(32))).toBeUndefined();
    });

    it('counts wrong verifiers up to the limit, then compares none, not even the right one', async () => {
      await store.createRequestToken(
        requestTokenFixture({ state: 'authorized', user: 'bob', verifier: 'v'.repeat(32) }),
      );
      let compared = 0;
      const attempt = (guess: string) => ({
        matches: (stored: string) => (compared++, stored === guess),
        limit: 3,
        accessToken: accessTokenFixture(),
      });
      expect(await store.redeemRequestToken('r'.repeat(32), attempt('wrong'))).toEqual({
        outcome: 'wrong',
        failures: 1,
      });
      expect(await store.redeemRequestToken('r'.repeat(32), attempt('wrong'))).toEqual({
        outcome: 'wrong',
        failures: 2,
      });
      expect((await store.getRequestToken('r'.repeat(32)))?.verifierFailures).toBe(2);
      expect(await store.redeemRequestToken('r'.repeat(32), attempt('wrong'))).toEqual({
        outcome: 'wrong',
        failures: 3,
      });
      expect(await store.redeemRequestToken('r'.repeat(32), attempt('wrong'))).toEqual({ outcome: 'dead' });
      expect(await store.redeemRequestToken('r'.repeat(32), attempt('v'.repeat(32)))).toEqual({
        outcome: 'dead',
      });
      expect(compared).toBe(3);
      expect(await store.getRequestToken('r'.repeat(32))).toMatchObject({
        state: 'authorized',
        verifierFailures: 3,
      });
      expect(await store.getAccessToken('a'.repeat(32))).toBeUndefined();
    });

    it(`of ${concurrentGuesses} concurrent guesses with the right one in the middle, compares at most five wrong ones, and takes the right one only before the fifth`, async () => {
      await store.createRequestToken(
        requestTokenFixture({ state: 'authorized', user: 'bob', verifier: 'v'.repeat(32) }),
      );
      // Every comparison, in the order the store made them: whether it matched.
      const comparisons: boolean[] = [];
      const attempt = (guess: string) => ({
        matches: (stored: string) => {
          const matched = stored === guess;
          comparisons.push(matched);
          return matched;
        },
        limit: 5,
        accessToken: accessTokenFixture(),
      });
      const right = Math.floor(concurrentGuesses / 2);
      const redemptions = await Promise.all(
        Array.from({ length: concurrentGuesses }, (_, i) =>
          store.redeemRequestToken('r'.repeat(32), attempt(i === right ? 'v'.repeat(32) : `wrong ${i}`)),
        ),
      );
      const wrongCompared = comparisons.filter((matched) => !matched).length;
      expect(wrongCompared).toBeLessThanOrEqual(5);
      expect(redemptions.filter((r) => r.outcome === 'wrong')).toHaveLength(wrongCompared);
      const exchanged = redemptions.filter((r) => r.outcome === 'exchanged');
      if (exchanged.length === 1) {
        expect(redemptions[right]).toEqual({ outcome: 'exchanged' });
        expect(comparisons.indexOf(true)).toBeLessThan(5);
      } else {
        expect(exchanged).toEqual([]);
        expect(wrongCompared).toBe(5);
        expect(redemptions[right]).toEqual({ outcome: 'dead' });
        expect((await store.getRequestToken('r'.repeat(32)))?.verifierFailures).toBe(5);
      }
    });

    it('of 100 concurrent redemptions with the right verifier, exactly one exchanges and the others find it used', async () => {
      await store.createRequestToken(
        requestTokenFixture({ state: 'authorized', user: 'bob', verifier: 'v'.repeat(32) }),
      );
      const redemptions = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          exchangeWithRightVerifier(
            store,
            'r'.repeat(32),
            accessTokenFixture({ token: `t${String(i).padStart(31, '0')}` }),
          ),
        ),
      );
      expect(redemptions.filter((r) => r.outcome === 'used')).toHaveLength(99);
      const winner = redemptions.findIndex((r) => r.outcome === 'exchanged');
      expect(await store.getAccessToken(`t${String(winner).padStart(31, '0')}`)).toBeDefined();
      expect((await store.getRequestToken('r'.repeat(32)))?.verifierFailures).toBe(0);
    });

    it('revokes, touches and lists access tokens', async () => {
      await store.createRequestToken(
        requestTokenFixture({ state: 'authorized', user: 'bob', verifier: 'v' }),
      );
      await exchangeWithRightVerifier(
        store,
        'r'.repeat(32),
        accessTokenFixture({ expiresAt: 1_900_000_000_000 }),
      );
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
      const none = new Map<string, number>();
      for (let i = 0; i < PROBLEMS_KEPT + 5; i++) {
        const event = { at: i, consumerKey: 'c1', endpoint: 'resource', problem: 'nonce_used', advice: 'a' };
        await store.recordProblems({ events: [event], unrecorded: none });
      }
      const c2 = {
        at: 1,
        consumerKey: 'c2',
        endpoint: 'token',
        problem: 'signature_invalid',
        advice: 'b',
        baseString: 'GET&x&y',
      };
      await store.recordProblems({ events: [c2], unrecorded: none });
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

    it('records a batch at once, and counts the unrecorded ones on the newest event', async () => {
      const event = (at: number, consumerKey: string) => ({
        at,
        consumerKey,
        endpoint: 'resource',
        problem: 'signature_invalid',
        advice: 'a',
      });
      const batch = Array.from({ length: PROBLEMS_KEPT + 3 }, (_, i) => event(i, 'b1'));
      await store.recordProblems({ events: [...batch, event(7, 'b2')], unrecorded: new Map([['b1', 4]]) });
      await store.recordProblems({
        events: [],
        unrecorded: new Map([
          ['b1', 6],
          ['b2', 1],
          ['nobody', 9],
        ]),
      });
      const listed = await store.listProblems('b1');
      expect(listed).toHaveLength(PROBLEMS_KEPT);
      expect(listed.map((p) => p.at)).toEqual(
        batch
          .map((p) => p.at)
          .reverse()
          .slice(0, PROBLEMS_KEPT),
      );
      expect(listed[0]?.unrecorded).toBe(10);
      expect(listed.slice(1).every((p) => p.unrecorded === undefined)).toBe(true);
      expect(await store.listProblems('b2')).toEqual([{ ...event(7, 'b2'), unrecorded: 1 }]);
      expect(await store.listProblems('nobody')).toEqual([]);
    });
  });
}
