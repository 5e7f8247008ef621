/**
 * The PostgreSQL store runs the shared suite, each test on a database of its own; and two
 * instances caching the same rows see each other's changes, and changes made in plain SQL, on the
 * next request.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PostgresStore } from '../../src/stores/postgres-store.js';
import { createDatabase, hasPostgres } from '../support/services.js';
import { accessTokenFixture, consumerFixture, requestTokenFixture, runStoreSuite } from './store-suite.js';

describe.skipIf(!hasPostgres)('postgres', () => {
  let drop: () => Promise<void> = () => Promise.resolve();
  runStoreSuite(
    'postgres',
    async () => {
      const database = await createDatabase();
      drop = () => database.drop();
      return PostgresStore.connect(database.url);
    },
    () => drop(),
  );
});

describe.skipIf(!hasPostgres)('postgres caches across instances', () => {
  const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

  it('sees a revocation by another instance and a suspension made in SQL on the next request', async () => {
    const database = await createDatabase();
    const a = await PostgresStore.connect(database.url);
    const b = await PostgresStore.connect(database.url);
    const sql = new pg.Client({ connectionString: database.url });
    await sql.connect();
    try {
      await a.putUser({ name: 'bob', status: 'active', createdAt: 1 });
      await a.putConsumer(consumerFixture());
      await a.createRequestToken(requestTokenFixture({ state: 'authorized', user: 'bob', verifier: 'v' }));
      await a.exchangeRequestToken('r'.repeat(32), accessTokenFixture());
      // Instance a reads (and caches) all three.
      expect((await a.getAccessToken('a'.repeat(32)))?.revokedAt).toBeUndefined();
      expect((await a.getConsumer(consumerFixture().key))?.status).toBe('active');
      expect((await a.getUser('bob'))?.status).toBe('active');

      expect(await b.revokeAccessToken('a'.repeat(32), 5)).toBe(true);
      await sql.query("UPDATE consumers SET status = 'suspended'");
      await sql.query("UPDATE users SET status = 'suspended'");
      await nextTurn();

      expect((await a.getAccessToken('a'.repeat(32)))?.revokedAt).toBe(5);
      expect((await a.getConsumer(consumerFixture().key))?.status).toBe('suspended');
      expect((await a.getUser('bob'))?.status).toBe('suspended');
    } finally {
      await sql.end();
      await b.close();
      await a.close();
      await database.drop();
    }
  });

  it('lets the token read of a request rely on the check its consumer read made', async () => {
    const database = await createDatabase();
    const a = await PostgresStore.connect(database.url);
    const b = await PostgresStore.connect(database.url);
    try {
      await a.putConsumer(consumerFixture());
      await a.createRequestToken(requestTokenFixture({ state: 'authorized', user: 'bob', verifier: 'v' }));
      await a.exchangeRequestToken('r'.repeat(32), accessTokenFixture());
      expect((await a.getAccessToken('a'.repeat(32)))?.revokedAt).toBeUndefined();
      expect(await b.revokeAccessToken('a'.repeat(32), 5)).toBe(true);
      await nextTurn();
      // Without a consumer read first, a same-request read is served from the cache as it is…
      expect((await a.getAccessToken('a'.repeat(32), { sameRequest: true }))?.revokedAt).toBeUndefined();
      // …and once the request's consumer read has checked the counter, it sees the revocation.
      await a.getConsumer(consumerFixture().key);
      expect((await a.getAccessToken('a'.repeat(32), { sameRequest: true }))?.revokedAt).toBe(5);
    } finally {
      await b.close();
      await a.close();
      await database.drop();
    }
  });

  it('does not count touching last_used_at as a change', async () => {
    const database = await createDatabase();
    const store = await PostgresStore.connect(database.url);
    const sql = new pg.Client({ connectionString: database.url });
    await sql.connect();
    try {
      const epoch = async () => (await sql.query<{ n: string }>('SELECT n FROM cache_epoch')).rows[0]?.n;
      await store.putConsumer(consumerFixture());
      await store.createRequestToken(
        requestTokenFixture({ state: 'authorized', user: 'bob', verifier: 'v' }),
      );
      await store.exchangeRequestToken('r'.repeat(32), accessTokenFixture());
      const before = await epoch();
      await store.touchAccessToken('a'.repeat(32), 10);
      expect(await epoch()).toBe(before);
      await store.revokeAccessToken('a'.repeat(32), 11);
      expect(Number(await epoch())).toBeGreaterThan(Number(before));
    } finally {
      await sql.end();
      await store.close();
      await database.drop();
    }
  });
});
