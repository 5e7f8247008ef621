/**
 * Sessions live on the server: a copied cookie stops working on every instance after sign-out, a
 * password change or a suspension; sessions end after their absolute and idle limits; a CSRF token
 * from before sign-in is refused after it.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { user as userCommand } from '../../packages/server/src/cli/commands/admin.js';
import { buildServer } from '../../packages/server/src/server/app.js';
import { hashPassword } from '../../packages/server/src/server/passwords.js';
import { MemoryServerData } from '../../packages/server/src/data/memory-data.js';
import { PostgresServerData } from '../../packages/server/src/data/postgres-data.js';
import type { ServerData } from '../../packages/server/src/data/server-data.js';
import { SqliteServerData } from '../../packages/server/src/data/sqlite-data.js';
import { MemoryStore } from '../../packages/countersign/src/stores/memory-store.js';
import { PostgresStore } from '../../packages/postgres/src/postgres-store.js';
import { SqliteStore } from '../../packages/sqlite/src/sqlite-store.js';
import type { Store } from '../../packages/countersign/src/provider/store.js';
import { putAccount } from '../support/accounts.js';
import { createDatabase, hasPostgres } from '../support/services.js';
import { PageClient } from './page-client.js';

const PASSWORD = 'a long pass phrase';

/** A server's store and its data, as one instance has them. */
interface Instance {
  readonly store: Store;
  readonly data: ServerData;
}

async function addUser(instance: Instance, name: string) {
  await putAccount(instance, name, PASSWORD);
}

/** Whether the client's cookies open the account page on `app` (a signed-out browser is sent to sign in). */
async function signedInOn(app: FastifyInstance, cookies: Map<string, string>): Promise<boolean> {
  const client = new PageClient(app);
  for (const [name, value] of cookies) client.cookies.set(name, value);
  const response = await client.get('/account');
  if (response.statusCode === 302) return false;
  expect(response.statusCode).toBe(200);
  return true;
}

/** Two instances over one store file or database; each test signs in on A and checks B. */
function twoInstances(label: string, open: () => Promise<{ stores: Instance[]; done(): Promise<void> }>) {
  describe(label, () => {
    let a: FastifyInstance;
    let b: FastifyInstance;
    let stores: Instance[];
    let opened: { done(): Promise<void> } | undefined;

    beforeAll(async () => {
      const instances = await open();
      opened = instances;
      stores = instances.stores;
      [a, b] = (await Promise.all(stores.map((instance) => buildServer(instance)))) as [
        FastifyInstance,
        FastifyInstance,
      ];
      await addUser(stores[0] as Instance, 'ann');
    }, 30_000);
    afterAll(async () => {
      await Promise.all([a?.close(), b?.close()]);
      await opened?.done();
    });

    it('refuses a copied cookie on every instance after sign-out', async () => {
      const browser = new PageClient(a);
      expect((await browser.signIn('ann', PASSWORD)).statusCode).toBe(303);
      const copied = new Map(browser.cookies);
      expect(await signedInOn(b, copied)).toBe(true);
      await browser.get('/account');
      expect((await browser.post('/logout')).statusCode).toBe(303);
      expect(await signedInOn(b, copied)).toBe(false);
      expect(await signedInOn(a, copied)).toBe(false);
    });

    it('ends every other session of the user on a password change, and keeps this one', async () => {
      const mine = new PageClient(a);
      const other = new PageClient(b);
      await mine.signIn('ann', PASSWORD);
      await other.signIn('ann', PASSWORD);
      await mine.get('/account');
      const wrong = await mine.post('/account/password', {
        current: 'not it at all',
        password: 'another long one',
      });
      expect(wrong.statusCode).toBe(400);
      expect(await signedInOn(b, other.cookies)).toBe(true);
      const changed = await mine.post('/account/password', {
        current: PASSWORD,
        password: 'another long one',
      });
      expect(changed.statusCode).toBe(303);
      expect(await signedInOn(a, mine.cookies)).toBe(true);
      expect(await signedInOn(b, other.cookies)).toBe(false);
      expect((await new PageClient(b).signIn('ann', PASSWORD)).statusCode).toBe(401);
      expect((await new PageClient(b).signIn('ann', 'another long one')).statusCode).toBe(303);
      await (stores[0] as Instance).data.setPasswordHash('ann', await hashPassword(PASSWORD));
    });
  });
}

twoInstances('sessions on two instances sharing a SQLite file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'countersign-sessions-'));
  const file = join(dir, 'shared.db');
  const sqlite = [new SqliteStore(file), new SqliteStore(file)];
  const stores = sqlite.map((store) => ({ store, data: new SqliteServerData(store.database, undefined) }));
  return Promise.resolve({
    stores,
    async done() {
      await Promise.all(sqlite.map((s) => s.close()));
      rmSync(dir, { recursive: true, force: true });
    },
  });
});

describe.skipIf(!hasPostgres)('on PostgreSQL', () => {
  twoInstances('sessions on two instances sharing PostgreSQL', async () => {
    const database = await createDatabase();
    const postgres = await Promise.all([
      PostgresStore.connect(database.url),
      PostgresStore.connect(database.url),
    ]);
    const stores = await Promise.all(
      postgres.map(async (store) => ({
        store,
        data: await PostgresServerData.connect(store.pool, undefined),
      })),
    );
    return {
      stores,
      async done() {
        await Promise.all(postgres.map((s) => s.close()));
        await database.drop();
      },
    };
  });
});

describe('a session', () => {
  let now = Date.UTC(2030, 0, 1);
  let store: MemoryStore;
  let data: MemoryServerData;
  let app: FastifyInstance;

  beforeAll(async () => {
    store = new MemoryStore();
    data = new MemoryServerData();
    app = await buildServer({ store, data, clock: () => now });
    await addUser({ store, data }, 'ann');
  });
  afterAll(() => app.close());

  it('is a random id in the cookie, kept in the store only as its SHA-256', async () => {
    const browser = new PageClient(app);
    await browser.signIn('ann', PASSWORD);
    const id = browser.cookies.get('cs_session') ?? '';
    expect(id).toMatch(/^[\w-]{43}$/);
    expect(id).not.toContain('ann');
    expect(await data.getSession(id)).toBeUndefined();
    expect(await data.getSession(createHash('sha256').update(id).digest('hex'))).toMatchObject({
      user: 'ann',
    });
  });

  it('ends after a day without a request, and after seven days however active', async () => {
    const idle = new PageClient(app);
    await idle.signIn('ann', PASSWORD);
    now += 23 * 3600_000;
    expect(await signedInOn(app, idle.cookies)).toBe(true);
    now += 23 * 3600_000;
    expect(await signedInOn(app, idle.cookies)).toBe(true);
    now += 25 * 3600_000;
    expect(await signedInOn(app, idle.cookies)).toBe(false);

    const busy = new PageClient(app);
    await busy.signIn('ann', PASSWORD);
    for (let hours = 0; hours < 7 * 24 - 12; hours += 12) {
      now += 12 * 3600_000;
      expect(await signedInOn(app, busy.cookies)).toBe(true);
    }
    now += 13 * 3600_000;
    expect(await signedInOn(app, busy.cookies)).toBe(false);
  });

  it('refuses after sign-in a CSRF token from before it, even with the old CSRF cookie', async () => {
    const browser = new PageClient(app);
    await browser.get('/login');
    const before = { token: browser.csrf, cookie: browser.cookies.get('_csrf') ?? '' };
    expect((await browser.post('/login', { name: 'ann', password: PASSWORD })).statusCode).toBe(303);
    expect(browser.cookies.has('_csrf')).toBe(false);
    expect((await browser.post('/logout', { _csrf: before.token })).statusCode).toBe(403);
    browser.cookies.set('_csrf', before.cookie);
    expect((await browser.post('/logout', { _csrf: before.token })).statusCode).toBe(403);
    expect(await signedInOn(app, browser.cookies)).toBe(true);
    await browser.get('/account');
    expect((await browser.post('/logout')).statusCode).toBe(303);
  });

  it('ends when the user is suspended with the CLI, and stays ended after resuming', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'countersign-suspend-'));
    const file = join(dir, 'server.db');
    const sqlite = new SqliteStore(file);
    const data = new SqliteServerData(sqlite.database, undefined);
    const server = await buildServer({ store: sqlite, data });
    try {
      await addUser({ store: sqlite, data }, 'cy');
      const browser = new PageClient(server);
      await browser.signIn('cy', PASSWORD);
      const lines: string[] = [];
      await userCommand(['suspend', 'cy', '--db', file], (line) => lines.push(line));
      await userCommand(['resume', 'cy', '--db', file], (line) => lines.push(line));
      expect(await signedInOn(server, browser.cookies)).toBe(false);
    } finally {
      await server.close();
      await sqlite.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
