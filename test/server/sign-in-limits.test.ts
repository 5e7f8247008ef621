/**
 * The account limits against the ways a security review found round them: racing the per-name
 * count, locking an owner out, spreading over an IPv6 prefix, flushing the in-memory counters with
 * invented names, and guessing the current password on the password-change form.
 *
 * A password check for a name with no account skips scrypt here (it answers "wrong" at once), so
 * that thousands of invented names take seconds; a real account's password is checked for real,
 * and every check of it is counted.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildServer, type ServerOptions } from '../../packages/server/src/server/app.js';
import type * as Passwords from '../../packages/server/src/server/passwords.js';
import { MemoryServerData } from '../../packages/server/src/data/memory-data.js';
import { putAccount } from '../support/accounts.js';
import { MemoryStore } from '../../packages/countersign/src/stores/memory-store.js';
import { PageClient, serverWithUser, USER_PASSWORD } from './page-client.js';

const checks = vi.hoisted(() => ({ real: 0 }));

vi.mock('../../packages/server/src/server/passwords.js', async (importOriginal) => {
  const original = await importOriginal<typeof Passwords>();
  return {
    ...original,
    verifyPassword: async (password: string, stored: string | undefined) => {
      if (stored === undefined) return false;
      checks.real++;
      return original.verifyPassword(password, stored);
    },
  };
});

const PASSWORD = USER_PASSWORD;
const WINDOW = '15 minutes';

/** The `i`th of many distinct IPv4 addresses under `10.0.0.0/8`. */
const nthAddress = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

async function serverWithAnn(limits?: ServerOptions['accountLimits']) {
  const { app } = await serverWithUser('ann', { accountLimits: limits });
  const client = new PageClient(app);
  await client.get('/login');
  return { app, client };
}

const signIn = (client: PageClient, name: string, password: string, from: string) =>
  client.post('/login', { name, password }, { remoteAddress: from });

const statuses = (answers: LightMyRequestResponse[]) => answers.map((answer) => answer.statusCode);

describe('the per-name sign-in limits', () => {
  let app: FastifyInstance | undefined;
  beforeEach(() => {
    checks.real = 0;
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('compares at most the per-name limit of passwords when 40 wrong sign-ins race from 40 addresses', async () => {
    const started = await serverWithAnn({
      signInPerNameAndAddress: { max: 3, timeWindow: WINDOW },
      signInPerName: { max: 10, timeWindow: WINDOW },
    });
    app = started.app;
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => signIn(started.client, 'ann', `guess ${i} guess`, nthAddress(i))),
    );
    const counted = statuses(answers);
    expect(counted.filter((status) => status === 401).length).toBeLessThanOrEqual(10);
    expect(counted.filter((status) => status !== 401).every((status) => status === 429)).toBe(true);
    expect(checks.real).toBeLessThanOrEqual(10);
    // The name's window is spent: the right password, from yet another address, is not checked.
    expect((await signIn(started.client, ' ANN ', PASSWORD, nthAddress(99))).statusCode).toBe(429);
    expect(checks.real).toBeLessThanOrEqual(10);
  });

  it("lets the owner in from their own address while a guesser's address is held back", async () => {
    const started = await serverWithAnn();
    app = started.app;
    const guesser = '203.0.113.66';
    const guesses: LightMyRequestResponse[] = [];
    for (let i = 0; i < 11; i++)
      guesses.push(await signIn(started.client, 'ann', `guess ${i} guess`, guesser));
    expect(statuses(guesses)).toEqual([...Array<number>(10).fill(401), 429]);
    // The guesser cannot tell the right password from a wrong one: it is not checked.
    expect((await signIn(started.client, 'ann', PASSWORD, guesser)).statusCode).toBe(429);
    const owner = new PageClient(app);
    await owner.get('/login');
    expect((await signIn(owner, 'ann', PASSWORD, '198.51.100.7')).statusCode).toBe(303);
  });

  it("keeps a name's count through failures against more invented names than the library's default cache", async () => {
    const started = await serverWithAnn({ signInPerName: { max: 10, timeWindow: WINDOW } });
    app = started.app;
    for (let i = 0; i < 10; i++) {
      expect((await signIn(started.client, 'ann', `guess ${i} guess`, `192.0.2.${i}`)).statusCode).toBe(401);
    }
    // More invented names than @fastify/rate-limit's in-memory store keeps by default (5,000).
    const invented = 5_001;
    for (let batch = 0; batch < invented; batch += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, invented - batch) }, (_, j) =>
          signIn(started.client, `invented${batch + j}`, 'wrong guess', nthAddress(batch + j)),
        ),
      );
    }
    expect((await signIn(started.client, 'ann', PASSWORD, '192.0.2.200')).statusCode).toBe(429);
  }, 120_000);
});

describe('address-keyed limits', () => {
  let app: FastifyInstance;
  let client: PageClient;
  let store: MemoryStore;
  beforeAll(async () => {
    store = new MemoryStore();
    app = await buildServer({
      store,
      accountLimits: {
        signInPerAddress: { max: 3, timeWindow: WINDOW },
        signUpPerAddress: { max: 7, timeWindow: WINDOW },
      },
    });
    client = new PageClient(app);
    await client.get('/login');
  });
  afterAll(() => app.close());

  let n = 0;
  const attempt = (from: string) => signIn(client, `nobody${n++}`, 'wrong guess', from);

  it('counts sign-ins from IPv6 addresses of one /64 together, of different /64s apart', async () => {
    const answers = [];
    for (const host of ['1', '2', 'abcd:1', 'ffff:ffff:ffff'])
      answers.push(await attempt(`2001:db8:1:2::${host}`));
    expect(statuses(answers)).toEqual([401, 401, 401, 429]);
    expect((await attempt('2001:db8:1:3::1')).statusCode).toBe(401);
  });

  it('counts an IPv4-mapped IPv6 address as its IPv4 address', async () => {
    const answers = [];
    for (const from of ['192.0.2.77', '::ffff:192.0.2.77', '192.0.2.77', '::ffff:c000:24d']) {
      answers.push(await attempt(from));
    }
    expect(statuses(answers)).toEqual([401, 401, 401, 429]);
  });

  it('counts sign-ups and refused sign-ups per /64', async () => {
    const signUp = async (name: string, password: string, from: string) => {
      const visitor = new PageClient(app);
      await visitor.get('/signup');
      return (await visitor.post('/signup', { name, password }, { remoteAddress: from })).statusCode;
    };
    const made = [];
    for (let i = 0; i < 8; i++) made.push(await signUp(`newcomer${i}`, PASSWORD, `2001:db8:5:6::${i + 1}`));
    expect(made).toEqual([...Array<number>(7).fill(303), 429]);
    const refused = [];
    for (let i = 0; i < 6; i++)
      refused.push(await signUp(`refused${i}`, 'password', `2001:db8:7:8::${i + 1}`));
    expect(refused).toEqual([400, 400, 400, 400, 400, 429]);
  });
});

describe('the password change', () => {
  it('limits checks of the current password per signed-in user', async () => {
    const store = new MemoryStore();
    const data = new MemoryServerData();
    const app = await buildServer({ store, data });
    await putAccount({ store: store, data }, 'cid', PASSWORD);
    const client = new PageClient(app);
    expect((await client.signIn('cid', PASSWORD)).statusCode).toBe(303);
    await client.get('/account');
    const answers = [];
    for (let i = 0; i < 6; i++) {
      answers.push(
        await client.post('/account/password', {
          current: `guess ${i} guess`,
          password: 'a new pass phrase',
        }),
      );
    }
    expect(statuses(answers)).toEqual([400, 400, 400, 400, 400, 429]);
    const last = answers.at(-1) as LightMyRequestResponse;
    expect(last.headers['content-type']).toContain('text/html');
    expect(last.headers['retry-after']).toBeDefined();
    // The right one waits out the window too.
    const right = await client.post('/account/password', {
      current: PASSWORD,
      password: 'a new pass phrase',
    });
    expect(right.statusCode).toBe(429);
    await app.close();
  });
});
