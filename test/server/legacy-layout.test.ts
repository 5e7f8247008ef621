/**
 * `npm start` users keep their data: a `./data/countersign.db` of the old unprefixed layout (every
 * table of countersign 0.1, `schema_migrations` at versions 1–5, secrets sealed under the key file
 * beside it) is moved into the store's and the server's prefixed tables the first time the CLI opens
 * it — accounts still sign in, consumers and tokens still verify, nonces stay used, notes, sessions
 * and the problem log stay — and the old tables are gone. A database whose `users` and
 * `schema_migrations` are an application's own is never taken for one.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkKeys, Keyring, secretContext } from '../../packages/countersign/src/stores/kit.js';
import { openSqlStore } from '../../packages/server/src/cli/open-store.js';
import { keyFileFor } from '../../packages/server/src/cli/key-file.js';
import { SqliteStore } from '../../packages/sqlite/src/sqlite-store.js';
import { hashPassword, verifyPassword } from '../../packages/server/src/server/passwords.js';
import { accessTokenFixture, consumerFixture } from '../stores/store-suite.js';

const LEGACY = readFileSync(new URL('../fixtures/legacy-sqlite-layout.sql', import.meta.url), 'utf8');
const OLD_TABLES = [
  'schema_migrations',
  'users',
  'consumers',
  'request_tokens',
  'access_tokens',
  'nonce_log',
  'settings',
  'sessions',
  'notes',
  'problem_events',
];

const tablesOf = (db: Database.Database) =>
  db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all() as string[];

describe('a SQLite file of the old layout', () => {
  let dir = '';
  let file = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'countersign-legacy-'));
    file = join(dir, 'countersign.db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** The file as the old server left it, its secrets sealed under the key file beside it. */
  async function writeLegacyFile(): Promise<{ keyring: Keyring; cookieKey: string }> {
    const { keyring } = keyFileFor(file);
    const seal = (table: string, column: string, key: string, value: string) =>
      keyring.seal(value, secretContext(table, column, key));
    const consumer = consumerFixture({ owner: 'ann' });
    const access = accessTokenFixture({ user: 'ann' });
    const cookieKey = 'the-old-cookie-key';
    const db = new Database(file);
    db.exec(LEGACY);
    db.prepare('INSERT INTO users VALUES (?, ?, ?, ?)').run(
      'ann',
      'active',
      await hashPassword('ann pass phrase'),
      1,
    );
    db.prepare('INSERT INTO users VALUES (?, ?, ?, ?)').run('cy', 'suspended', null, 2);
    db.prepare(
      `INSERT INTO consumers (key, secret, name, owner, callback, scopes, signature_methods, two_legged, status, created_at)
       VALUES (?, ?, 'Printer', 'ann', 'oob', '["read_public"]', '["HMAC-SHA1"]', 0, 'active', 3)`,
    ).run(consumer.key, seal('consumers', 'secret', consumer.key, consumer.secret));
    db.prepare(
      `INSERT INTO access_tokens (token, secret, consumer_key, user, scopes, created_at)
       VALUES (?, ?, ?, 'ann', '["read_public"]', 4)`,
    ).run(access.token, seal('access_tokens', 'secret', access.token, access.secret), consumer.key);
    db.prepare('INSERT INTO nonce_log (key, expires_at) VALUES (?, ?)').run('used-nonce', 9_000_000_000_000);
    db.prepare('INSERT INTO settings VALUES (?, ?)').run('secret-keys', checkKeys(undefined, keyring));
    db.prepare('INSERT INTO settings VALUES (?, ?)').run(
      'cookie-secret',
      seal('settings', 'value', 'cookie-secret', cookieKey),
    );
    db.prepare('INSERT INTO sessions VALUES (?, ?, ?, ?)').run(
      'hash-of-a-session',
      'ann',
      5,
      9_000_000_000_000,
    );
    db.prepare('INSERT INTO notes (user, text, created_at) VALUES (?, ?, ?)').run('ann', 'kept note', 6);
    db.prepare(
      `INSERT INTO problem_events (consumer_key, at, endpoint, problem, advice, base_string, unrecorded)
       VALUES (?, 7, 'resource', 'signature_invalid', 'advice', 'GET&x&y', 3)`,
    ).run(consumer.key);
    db.close();
    return { keyring, cookieKey };
  }

  it('is moved into the prefixed tables when the CLI opens it, and the old tables dropped', async () => {
    const { cookieKey } = await writeLegacyFile();
    const { store, data } = await openSqlStore({ db: file }, {});
    try {
      const consumer = consumerFixture();
      expect(await verifyPassword('ann pass phrase', await data.getPasswordHash('ann'))).toBe(true);
      expect(await data.getPasswordHash('cy')).toBeUndefined();
      expect(await store.getUser('ann')).toEqual({ name: 'ann', status: 'active', createdAt: 1 });
      expect(await store.getUser('cy')).toEqual({ name: 'cy', status: 'suspended', createdAt: 2 });
      expect((await store.getConsumer(consumer.key))?.secret).toBe(consumer.secret);
      expect((await store.getAccessToken(accessTokenFixture().token))?.secret).toBe(
        accessTokenFixture().secret,
      );
      expect(await store.recordNonce('used-nonce', 1000, 9_000_000_000_000)).toBe(false);
      expect(await data.ensureSetting('cookie-secret', 'new')).toBe(cookieKey);
      expect(await data.getSession('hash-of-a-session')).toMatchObject({ user: 'ann' });
      expect((await data.listNotes('ann')).map((n) => n.text)).toEqual(['kept note']);
      expect(await data.listProblems(consumer.key)).toEqual([
        expect.objectContaining({ problem: 'signature_invalid', baseString: 'GET&x&y', unrecorded: 3 }),
      ]);
      // New rows follow the old ones.
      expect((await data.addNote('ann', 'new note', 8)).id).toBeGreaterThan(1);
      const tables = tablesOf((store as SqliteStore).database);
      expect(tables.filter((t) => OLD_TABLES.includes(t))).toEqual([]);
      expect(tables.filter((t) => !t.startsWith('countersign_') && t !== 'sqlite_sequence')).toEqual([]);
    } finally {
      await store.close();
    }
    // Opened again, nothing more is moved and everything reads the same.
    const again = await openSqlStore({ db: file }, {});
    expect((await again.store.getConsumer(consumerFixture().key))?.secret).toBe(consumerFixture().secret);
    await again.store.close();
  });

  it('is left as it is, with one line, when the key does not open its secrets', async () => {
    await writeLegacyFile();
    const other = Keyring.generate();
    await expect(openSqlStore({ db: file }, { COUNTERSIGN_SECRET_KEY: other })).rejects.toThrow(/key/);
    const db = new Database(file, { readonly: true });
    expect(tablesOf(db)).toEqual(expect.arrayContaining(OLD_TABLES));
    expect(db.prepare('SELECT count(*) FROM consumers').pluck().get()).toBe(1);
    db.close();
  });

  it('is not what an application’s own users and schema_migrations are taken for', async () => {
    const db = new Database(file);
    db.exec(`CREATE TABLE users (name TEXT PRIMARY KEY, status TEXT, password_hash TEXT, created_at INTEGER);
      CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY);
      INSERT INTO users VALUES ('host-user', 'active', 'x', 1);
      INSERT INTO schema_migrations VALUES (1), (2), (3), (4), (5);`);
    db.close();
    const { store } = await openSqlStore({ db: file }, {});
    expect(await store.getUser('host-user')).toBeUndefined();
    await store.close();
    const after = new Database(file, { readonly: true });
    expect(after.prepare('SELECT name FROM users').pluck().all()).toEqual(['host-user']);
    expect(after.prepare('SELECT count(*) FROM schema_migrations').pluck().get()).toBe(5);
    after.close();
    expect(new SqliteStore(':memory:').tablePrefix).toBe('countersign_');
  });
});
