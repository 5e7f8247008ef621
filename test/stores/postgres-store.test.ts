/**
 * The PostgreSQL store runs the shared suite with its secrets sealed, and the secrets-at-rest suite
 * (reading every table in plain SQL), each test on a database of its own; and two instances caching
 * the same rows see each other's changes, and changes made in plain SQL, on the next request.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { ProviderInputError } from '../../packages/countersign/src/provider/errors.js';
import { isPromiseLike } from '../../packages/countersign/src/provider/maybe-promise.js';
import { createProvider } from '../../packages/countersign/src/provider/provider.js';
import { PostgresStore } from '../../packages/postgres/src/postgres-store.js';
import { createDatabase, hasPostgres } from '../support/services.js';
import { keyLine, keyring, runSecretsSuite } from './secrets-suite.js';
import {
  accessTokenFixture,
  consumerFixture,
  exchangeWithRightVerifier,
  requestTokenFixture,
  runStoreSuite,
} from './store-suite.js';

describe.skipIf(!hasPostgres)('postgres', () => {
  let drop: () => Promise<void> = () => Promise.resolve();
  runStoreSuite(
    'postgres',
    async () => {
      const database = await createDatabase();
      drop = () => database.drop();
      return PostgresStore.connect(database.url, { secrets: keyring(keyLine('k1')) });
    },
    () => drop(),
    { concurrentGuesses: 200 },
  );
});

describe.skipIf(!hasPostgres)('postgres', () => {
  runSecretsSuite('postgres', async () => {
    const database = await createDatabase();
    const sql = new pg.Client({ connectionString: database.url });
    await sql.connect();
    return {
      open: (secrets) => PostgresStore.connect(database.url, { secrets }),
      async everything() {
        const { rows: tables } = await sql.query<{ name: string }>(
          "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'",
        );
        const texts: string[] = [];
        for (const { name } of tables)
          for (const r of (await sql.query<{ row: string }>(`SELECT t::text AS row FROM ${name} t`)).rows)
            texts.push(r.row);
        return texts.join('\n');
      },
      async column(table, column, keyColumn, key) {
        const { rows } = await sql.query(
          `SELECT ${column} AS v FROM countersign_${table} WHERE ${keyColumn} = $1`,
          [key],
        );
        return (rows[0] as { v: string }).v;
      },
      async setColumn(table, column, keyColumn, key, value) {
        await sql.query(`UPDATE countersign_${table} SET ${column} = $1 WHERE ${keyColumn} = $2`, [
          value,
          key,
        ]);
      },
      async cleanup() {
        await sql.end();
        await database.drop();
      },
    };
  });
});

/**
 * Runs `test` on a database of its own, with `open` for instances on it (as separate servers would
 * be) and a plain SQL client; afterwards everything is closed and the database dropped.
 */
async function onFreshDatabase(
  test: (open: () => Promise<PostgresStore>, sql: pg.Client) => Promise<void>,
): Promise<void> {
  const database = await createDatabase();
  const opened: PostgresStore[] = [];
  const sql = new pg.Client({ connectionString: database.url });
  await sql.connect();
  try {
    await test(async () => {
      const store = await PostgresStore.connect(database.url);
      opened.push(store);
      return store;
    }, sql);
  } finally {
    await sql.end();
    for (const store of opened.reverse()) await store.close();
    await database.drop();
  }
}

/** The consumer, and its access token 'aaa…' for bob, issued through `store`. */
async function issueAccessToken(store: PostgresStore): Promise<void> {
  await store.putConsumer(consumerFixture());
  await store.createRequestToken(requestTokenFixture({ state: 'authorized', user: 'bob', verifier: 'v' }));
  await exchangeWithRightVerifier(store, 'r'.repeat(32), accessTokenFixture());
}

describe.skipIf(!hasPostgres)('postgres caches across instances', () => {
  const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

  it('sees a revocation by another instance and a suspension made in SQL on the next request', () =>
    onFreshDatabase(async (open, sql) => {
      const a = await open();
      const b = await open();
      await a.putUser({ name: 'bob', status: 'active', createdAt: 1 });
      await issueAccessToken(a);
      // Instance a reads (and caches) all three.
      expect((await a.getAccessToken('a'.repeat(32)))?.revokedAt).toBeUndefined();
      expect((await a.getConsumer(consumerFixture().key))?.status).toBe('active');
      expect((await a.getUser('bob'))?.status).toBe('active');

      expect(await b.revokeAccessToken('a'.repeat(32), 5)).toBe(true);
      await sql.query("UPDATE countersign_consumers SET status = 'suspended'");
      await sql.query("UPDATE countersign_users SET status = 'suspended'");
      await nextTurn();

      expect((await a.getAccessToken('a'.repeat(32)))?.revokedAt).toBe(5);
      expect((await a.getConsumer(consumerFixture().key))?.status).toBe('suspended');
      expect((await a.getUser('bob'))?.status).toBe('suspended');
    }));

  it('lets the token read of a request rely on the check its consumer read made', () =>
    onFreshDatabase(async (open) => {
      const a = await open();
      const b = await open();
      await issueAccessToken(a);
      expect((await a.getAccessToken('a'.repeat(32)))?.revokedAt).toBeUndefined();
      expect(await b.revokeAccessToken('a'.repeat(32), 5)).toBe(true);
      await nextTurn();
      // Without a consumer read first, a same-request read is served from the cache as it is, at once…
      const cached = a.getAccessToken('a'.repeat(32), { sameRequest: true });
      expect(isPromiseLike(cached)).toBe(false);
      expect((await cached)?.revokedAt).toBeUndefined();
      // …and once the request's consumer read has checked the counter, it reads the revocation.
      await a.getConsumer(consumerFixture().key);
      const reread = a.getAccessToken('a'.repeat(32), { sameRequest: true });
      expect(isPromiseLike(reread)).toBe(true);
      expect((await reread)?.revokedAt).toBe(5);
    }));

  it('does not count touching last_used_at as a change', () =>
    onFreshDatabase(async (open, sql) => {
      const store = await open();
      const epoch = async () =>
        (await sql.query<{ n: string }>('SELECT n FROM countersign_cache_epoch')).rows[0]?.n;
      await issueAccessToken(store);
      const before = await epoch();
      await store.touchAccessToken('a'.repeat(32), 10);
      expect(await epoch()).toBe(before);
      await store.revokeAccessToken('a'.repeat(32), 11);
      expect(Number(await epoch())).toBeGreaterThan(Number(before));
    }));
});

describe.skipIf(!hasPostgres)('postgres imports at the same time', () => {
  it('refuses the later of two imports of one key with import_refused, from two instances', () =>
    onFreshDatabase(async (open) => {
      const [a, b] = [createProvider({ store: await open() }), createProvider({ store: await open() })];
      for (let round = 0; round < 10; round++) {
        const consumer = {
          key: `warehouse-${round}`,
          secret: 's'.repeat(32),
          name: 'Warehouse',
          owner: 'admin',
        };
        const token = {
          token: `token-${round}`,
          secret: 't'.repeat(32),
          consumerKey: consumer.key,
          user: 'bob',
        };
        const outcomes = await Promise.allSettled(
          [a, b].map((p) => p.importCredentials({ consumers: [consumer], accessTokens: [token] })),
        );
        const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
        // Both checks may pass before either writes; the store then answers for the later one.
        expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
        expect(refused).toHaveLength(1);
        expect(refused[0]).toBeInstanceOf(ProviderInputError);
        expect(refused[0]).toMatchObject({ code: 'import_refused' });
      }
    }));
});
