/**
 * The SQL stores in a database an application already uses: given the application's own client (a
 * better-sqlite3 `Database`, a `pg.Pool`), with its own `users` and `schema_migrations` tables
 * present, each store runs the contract suite under its prefix (or a PostgreSQL schema), keeps every
 * table, index and function it makes under that prefix, records its migrations in its own table,
 * leaves the application's tables exactly as they were, and leaves the client open when it closes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { POSTGRES_MIGRATIONS } from '../../packages/postgres/src/postgres-schema.js';
import { PostgresStore } from '../../packages/postgres/src/postgres-store.js';
import { SQLITE_MIGRATIONS } from '../../packages/sqlite/src/sqlite-schema.js';
import { SqliteStore } from '../../packages/sqlite/src/sqlite-store.js';
import { createDatabase, hasPostgres } from '../support/services.js';
import { runStoreSuite } from './store-suite.js';

/** The application's own tables, as a host application (or its migration tool) made them. */
const HOST_SCHEMA = `
  CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT);
  CREATE INDEX users_email ON users (email);
  CREATE TABLE schema_migrations (version TEXT PRIMARY KEY);
  INSERT INTO users (id, email, name) VALUES (1, 'ann@example.com', 'ann'), (2, 'bob@example.com', 'bob');
  INSERT INTO schema_migrations (version) VALUES ('20240101_create_users'), ('20240202_add_index');`;

describe('SQLite beside an application', () => {
  let dir = '';
  let db: Database.Database;
  const hostState = () => ({
    users: db.prepare('SELECT * FROM users ORDER BY id').all(),
    migrations: db.prepare('SELECT * FROM schema_migrations ORDER BY version').all(),
    schema: db
      .prepare("SELECT sql FROM sqlite_schema WHERE name IN ('users', 'users_email', 'schema_migrations')")
      .all(),
  });
  let before: ReturnType<typeof hostState>;

  runStoreSuite(
    'sqlite on the host database',
    () => {
      dir = mkdtempSync(join(tmpdir(), 'countersign-host-'));
      db = new Database(join(dir, 'app.db'));
      db.exec(HOST_SCHEMA);
      before = hostState();
      return Promise.resolve(new SqliteStore(db, { tablePrefix: 'oauth_' }));
    },
    () => {
      // The store is closed: the application's connection is still open, its tables untouched.
      expect(db.open).toBe(true);
      expect(hostState()).toEqual(before);
      db.close();
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  );

  it('makes only prefixed tables and indexes, and its own migrations table', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'countersign-host-')), 'app.db');
    const host = new Database(file);
    host.exec(HOST_SCHEMA);
    const names = () =>
      host
        .prepare("SELECT type, name FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY name")
        .all() as {
        type: string;
        name: string;
      }[];
    const hostNames = names();
    for (const prefix of [undefined, 'oauth_']) {
      const store = new SqliteStore(host, { tablePrefix: prefix });
      await store.putUser({ name: 'carol', status: 'active', createdAt: 1 });
      await store.close();
    }
    const made = names().filter((n) => !hostNames.some((h) => h.name === n.name));
    expect(made.length).toBeGreaterThan(10);
    expect(made.filter((n) => !/^(countersign|oauth)_/.test(n.name))).toEqual([]);
    expect(made.map((n) => n.name)).toEqual(
      expect.arrayContaining(['countersign_migrations', 'oauth_migrations']),
    );
    expect(host.prepare('SELECT version FROM countersign_migrations').pluck().all()).toEqual(
      SQLITE_MIGRATIONS.map((_, i) => i + 1),
    );
    expect(host.prepare('SELECT name FROM oauth_users').pluck().all()).toEqual(['carol']);
    expect(host.prepare('SELECT count(*) FROM users').pluck().get()).toBe(2);
    host.close();
    rmSync(join(file, '..'), { recursive: true, force: true });
  });

  it('refuses a prefix that is not a plain SQL name', () => {
    const host = new Database(':memory:');
    for (const prefix of ['', 'a b', 'x"; DROP TABLE users; --', '1abc'])
      expect(() => new SqliteStore(host, { tablePrefix: prefix })).toThrow(TypeError);
    host.close();
  });
});

describe.skipIf(!hasPostgres)('PostgreSQL beside an application', () => {
  let database: { url: string; drop(): Promise<void> };
  let pool: pg.Pool;
  const hostState = async () => ({
    users: (await pool.query('SELECT * FROM public.users ORDER BY id')).rows,
    migrations: (await pool.query('SELECT * FROM public.schema_migrations ORDER BY version')).rows,
  });
  let before: Awaited<ReturnType<typeof hostState>>;
  const openHost = async () => {
    database = await createDatabase();
    pool = new pg.Pool({ connectionString: database.url, max: 4 });
    // The application's pool, as an application sets it up: an idle client lost is replaced.
    pool.on('error', () => {});
    await pool.query(HOST_SCHEMA);
    before = await hostState();
  };
  const closeHost = async () => {
    expect(await hostState()).toEqual(before);
    await pool.end();
    await database.drop();
  };

  for (const [label, options] of [
    ['a prefix', { tablePrefix: 'oauth_' }],
    ['a schema', { schema: 'oauth' }],
  ] as const) {
    runStoreSuite(
      `postgres with ${label} on the host's pool`,
      async () => {
        await openHost();
        return PostgresStore.connect(pool, options);
      },
      async () => {
        // Closing the store left the application's pool open.
        expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
        await closeHost();
      },
      { concurrentGuesses: 100 },
    );
  }

  it('makes only prefixed relations and functions, or keeps them in its schema', async () => {
    await openHost();
    try {
      const relations = async () =>
        (
          await pool.query<{ name: string }>(
            `SELECT n.nspname || '.' || c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
             UNION SELECT n.nspname || '.' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')`,
          )
        ).rows.map((r) => r.name);
      const host = await relations();
      for (const options of [{}, { schema: 'oauth' }]) {
        const store = await PostgresStore.connect(pool, options);
        await store.putUser({ name: 'carol', status: 'active', createdAt: 1 });
        await store.close();
      }
      const made = (await relations()).filter((name) => !host.includes(name));
      expect(made.length).toBeGreaterThan(10);
      expect(made.filter((name) => !/^(public\.countersign_|oauth\.countersign_)/.test(name))).toEqual([]);
      expect((await pool.query('SELECT version FROM public.countersign_migrations')).rows).toEqual(
        POSTGRES_MIGRATIONS.map((_, i) => ({ version: i + 1 })),
      );
      expect((await pool.query('SELECT name FROM oauth.countersign_users')).rows).toEqual([
        { name: 'carol' },
      ]);
    } finally {
      await closeHost();
    }
  });
});
