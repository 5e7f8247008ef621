/**
 * The one store suite every store implementation runs: the contract of `src/stores/store.ts`,
 * including the atomic operations under concurrency.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccessToken, Consumer, RequestToken } from '../../src/provider/model.js';
import { type AppData, PROBLEMS_KEPT } from '../../src/stores/app-data.js';
import type { Store } from '../../src/stores/store.js';

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

/** Runs the whole contract against fresh stores from `open`; `close` cleans one up. */
export function runStoreSuite(
  name: string,
  open: () => Promise<Store & AppData>,
  cleanup?: () => Promise<void>,
): void {
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

    it('counts verifier failures', async () => {
      await store.createRequestToken(requestTokenFixture());
      expect(await store.recordVerifierFailure('r'.repeat(32))).toBe(1);
      expect(await store.recordVerifierFailure('r'.repeat(32))).toBe(2);
      expect((await store.getRequestToken('r'.repeat(32)))?.verifierFailures).toBe(2);
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

    it('records a nonce once until it expires', async () => {
      expect(await store.recordNonce('n1', 1000, 2000)).toBe(true);
      expect(await store.recordNonce('n1', 1500, 2500)).toBe(false);
      expect(await store.recordNonce('n2', 1500, 2500)).toBe(true);
      expect(await store.recordNonce('n1', 2000, 3000)).toBe(true);
      expect(await store.recordNonce('n1', 2999, 4000)).toBe(false);
    });

    it('of 100 concurrent records of one nonce, exactly one succeeds', async () => {
      const results = await Promise.all(
        Array.from({ length: 100 }, async () => store.recordNonce('same', 1000, 5000)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
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
