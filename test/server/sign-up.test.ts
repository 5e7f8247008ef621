/**
 * Sign-up refuses trivial and common passwords (NIST SP 800-63B), and sign-up and sign-in are rate
 * limited per address and per account name — across instances when they share Redis. The ways
 * round those limits are tried in sign-in-limits.test.ts.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../packages/server/src/server/app.js';
import { hashPassword, passwordProblem, verifyPassword } from '../../packages/server/src/server/passwords.js';
import { MemoryStore } from '../../packages/countersign/src/stores/memory-store.js';
import { MemoryServerData } from '../../packages/server/src/data/memory-data.js';
import { putAccount } from '../support/accounts.js';
import { hasRedis, REDIS_URL } from '../support/services.js';
import { PageClient, serverWithUser, USER_PASSWORD } from './page-client.js';

const PASSWORD = USER_PASSWORD;

/** An address no other run of these tests uses, so that counts kept in Redis do not mix. */
const address = () => `10.${[...randomBytes(3)].join('.')}`;

describe('password hashing', () => {
  it('takes a password in any Unicode composition of it (NFKC)', async () => {
    const composed = 'crème brûlée à la carte';
    const decomposed = composed.normalize('NFD');
    expect(decomposed).not.toBe(composed);
    expect(await verifyPassword(decomposed, await hashPassword(composed))).toBe(true);
    expect(await verifyPassword(composed, await hashPassword(decomposed))).toBe(true);
    expect(await verifyPassword('crème brûlée à la cartE', await hashPassword(composed))).toBe(false);
  });
});

describe('the password rules', () => {
  it.each([
    ['short', 'too short'],
    ['password', 'common'],
    ['iloveyou', 'common'],
    ['qwertyuiop', 'common'],
    ['Password1', 'common, in any case'],
    ['        ', 'only spaces'],
    ['\u3000'.repeat(8), 'only (ideographic) spaces'],
    ['\t \t \t \t ', 'only whitespace'],
    ['aaaaaaaaaa', 'one character repeated'],
    ['abcabcabcabc', 'a short run repeated'],
    ['abcdefghij', 'a sequence'],
    ['12345678', 'a sequence'],
    ['987654321', 'a descending sequence'],
    ['e\u0301a\u0301i\u0301o\u0301', 'eight code points, four characters once normalised'],
    ['mallory-rules-ok', 'contains the user name'],
    ['xMALLORYx99', 'contains the user name, in any case'],
  ])('refuses %j (%s)', (password) => {
    expect(passwordProblem(password, 'mallory')).toBeDefined();
  });

  it.each([PASSWORD, 'correct horse battery', 'Tr0ub4dour&3x', 'zebra-lamp-9-tide'])(
    'accepts %j',
    (password) => {
      expect(passwordProblem(password, 'mallory')).toBeUndefined();
    },
  );
});

describe('sign-up and sign-in limits', () => {
  let app: FastifyInstance;
  let store: MemoryStore;
  let data: MemoryServerData;

  beforeAll(async () => {
    ({ app, store, data } = await serverWithUser('ann'));
  });
  afterAll(() => app.close());

  it('refuses "password" and eight spaces on the sign-up form', async () => {
    for (const password of ['password', '        ']) {
      const client = new PageClient(app);
      const response = await client.signIn(`fresh${randomBytes(3).toString('hex')}`, password, 'signup');
      expect(response.statusCode).toBe(400);
      expect(response.body).toContain('role="alert"');
    }
  });

  it('answers a taken name like any refused name, and counts it against the address', async () => {
    const from = address();
    const client = new PageClient(app);
    await client.get('/signup');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push(
        (await client.post('/signup', { name: 'ann', password: PASSWORD }, { remoteAddress: from }))
          .statusCode,
      );
    }
    expect(statuses).toEqual([400, 400, 400, 400, 400, 429]);
    // A new name from that address is refused too, until the window passes.
    const blocked = await client.post(
      '/signup',
      { name: 'brandnew', password: PASSWORD },
      { remoteAddress: from },
    );
    expect(blocked.statusCode).toBe(429);
    expect(blocked.headers['retry-after']).toBeDefined();
    expect(store.getUser('brandnew')).toBeUndefined();
  });

  it("lets one of two sign-ups of a free name at once have it, and keeps that one's password", async () => {
    const name = `race${randomBytes(3).toString('hex')}`;
    const passwords = ['first pass phrase', 'second pass phrase'];
    const clients = passwords.map(() => new PageClient(app));
    await Promise.all(clients.map((client) => client.get('/signup')));
    const answers = await Promise.all(
      clients.map((client, i) =>
        client.post('/signup', { name, password: passwords[i] as string }, { remoteAddress: address() }),
      ),
    );
    const won = answers.map((answer) => answer.statusCode === 303);
    expect(won.filter(Boolean)).toHaveLength(1);
    expect(answers.map((answer) => answer.statusCode).sort()).toEqual([303, 400]);
    const stored = await data.getPasswordHash(name);
    expect(await verifyPassword(passwords[won.indexOf(true)] as string, stored)).toBe(true);
  });

  it('limits sign-ups per address', async () => {
    const from = address();
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const client = new PageClient(app);
      await client.get('/signup');
      statuses.push(
        (
          await client.post(
            '/signup',
            { name: `many${i}${randomBytes(2).toString('hex')}`, password: PASSWORD },
            { remoteAddress: from },
          )
        ).statusCode,
      );
    }
    expect(statuses).toEqual([...Array<number>(10).fill(303), 429]);
  });

  it('limits sign-ins per account name to 100 a window, whatever the address', async () => {
    await putAccount({ store: store, data }, 'bea', PASSWORD);
    const client = new PageClient(app);
    await client.get('/login');
    for (let batch = 0; batch < 100; batch += 10) {
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          client.post(
            '/login',
            { name: 'bea', password: `guess ${batch + i} guess` },
            { remoteAddress: address() },
          ),
        ),
      );
      expect(answers.map((answer) => answer.statusCode)).toEqual(Array<number>(10).fill(401));
    }
    // Even the right password, from a new address, waits out the window: the guesser cannot tell.
    const right = await client.post(
      '/login',
      { name: ' BEA ', password: PASSWORD },
      { remoteAddress: address() },
    );
    expect(right.statusCode).toBe(429);
    // Another account is not affected.
    const other = await client.post(
      '/login',
      { name: 'ann', password: PASSWORD },
      { remoteAddress: address() },
    );
    expect(other.statusCode).toBe(303);
  });
});

describe.skipIf(!hasRedis)('limits across two instances sharing Redis', () => {
  let redis: Redis;
  let a: FastifyInstance;
  let b: FastifyInstance;
  let store: MemoryStore;
  let data: MemoryServerData;

  beforeAll(async () => {
    redis = new Redis(REDIS_URL);
    store = new MemoryStore();
    data = new MemoryServerData();
    // The per-name limit lowered, so that a test reaches it in a few requests.
    const accountLimits = { signInPerName: { max: 10, timeWindow: '15 minutes' } };
    a = await buildServer({ store, data, redis, accountLimits });
    b = await buildServer({ store, data, redis, accountLimits });
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await redis?.quit();
  });

  it('counts sign-in attempts per name on both instances together', async () => {
    const name = `shared${randomBytes(4).toString('hex')}`;
    await putAccount({ store: store, data }, name, PASSWORD);
    for (let i = 0; i < 10; i++) {
      const client = new PageClient(i % 2 ? a : b);
      await client.get('/login');
      const response = await client.post(
        '/login',
        { name, password: `guess ${i} guess` },
        { remoteAddress: address() },
      );
      expect(response.statusCode).toBe(401);
    }
    for (const app of [a, b]) {
      const client = new PageClient(app);
      await client.get('/login');
      expect(
        (await client.post('/login', { name, password: PASSWORD }, { remoteAddress: address() })).statusCode,
      ).toBe(429);
    }
  });

  it('compares at most the per-name limit of passwords when sign-ins race on both instances', async () => {
    const name = `raced${randomBytes(4).toString('hex')}`;
    await putAccount({ store: store, data }, name, PASSWORD);
    const clients = [new PageClient(a), new PageClient(b)];
    await Promise.all(clients.map((client) => client.get('/login')));
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (clients[i % 2] as PageClient).post(
          '/login',
          { name, password: `guess ${i} guess` },
          { remoteAddress: address() },
        ),
      ),
    );
    const statuses = answers.map((answer) => answer.statusCode);
    expect(statuses.filter((status) => status === 401).length).toBeLessThanOrEqual(10);
    expect(statuses.filter((status) => status !== 401).every((status) => status === 429)).toBe(true);
  });

  it('counts sign-in attempts per address on both instances together', async () => {
    const from = address();
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const client = new PageClient(i % 2 ? a : b);
      await client.get('/login');
      statuses.push(
        (
          await client.post(
            '/login',
            { name: `nobody${i}`, password: 'wrong wrong' },
            { remoteAddress: from },
          )
        ).statusCode,
      );
    }
    expect(statuses).toEqual([...Array<number>(10).fill(401), 429]);
  });

  it('counts refused sign-ups per address on both instances together', async () => {
    const from = address();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const client = new PageClient(i % 2 ? a : b);
      await client.get('/signup');
      statuses.push(
        (await client.post('/signup', { name: 'x', password: 'password' }, { remoteAddress: from }))
          .statusCode,
      );
    }
    expect(statuses).toEqual([400, 400, 400, 400, 400, 429]);
  });
});
