/**
 * The SQLite store's secrets at rest: the shared secrets suite on a file (grepping its raw bytes),
 * the file modes of the database and its WAL and shared-memory files, and a file made by the
 * schema's migrations with secrets in clear, as every file was before, sealed in place.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SQLITE_MIGRATIONS, sqliteTables } from '../../packages/sqlite/src/sqlite-schema.js';
import { SqliteStore } from '../../packages/sqlite/src/sqlite-store.js';
import { keyLine, keyring, runSecretsSuite } from './secrets-suite.js';

function freshDirectory(): { directory: string; file: string; remove: () => Promise<void> } {
  const directory = mkdtempSync(join(tmpdir(), 'countersign-secrets-'));
  return {
    directory,
    file: join(directory, 'test.db'),
    remove: () => Promise.resolve(rmSync(directory, { recursive: true, force: true })),
  };
}

/** The bytes of the database and of its WAL, as text to search. */
function fileText(file: string): string {
  return [file, `${file}-wal`]
    .filter((path) => existsSync(path))
    .map((path) => readFileSync(path).toString('latin1'))
    .join('\n');
}

runSecretsSuite('sqlite', () => {
  const { file, remove } = freshDirectory();
  const withDb = <T>(run: (db: Database.Database) => T): T => {
    const db = new Database(file);
    try {
      return run(db);
    } finally {
      db.close();
    }
  };
  return Promise.resolve({
    open: (secrets) => Promise.resolve(new SqliteStore(file, { secrets })),
    everything: () => Promise.resolve(fileText(file)),
    column: (table, column, keyColumn, key) =>
      Promise.resolve(
        withDb(
          (db) =>
            db
              .prepare(`SELECT ${column} FROM countersign_${table} WHERE ${keyColumn} = ?`)
              .pluck()
              .get(key) as string,
        ),
      ),
    setColumn: (table, column, keyColumn, key, value) =>
      Promise.resolve(
        withDb((db) => {
          db.prepare(`UPDATE countersign_${table} SET ${column} = ? WHERE ${keyColumn} = ?`).run(value, key);
        }),
      ),
    cleanup: remove,
  });
});

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('sqlite file modes', () => {
  it('creates the database, its WAL and its shared memory 0600, whatever the umask lets through', async () => {
    const { file, remove } = freshDirectory();
    const umask = process.umask(0o022);
    try {
      const store = new SqliteStore(file, { secrets: keyring(keyLine('k1')) });
      await store.putUser({ name: 'bob', status: 'active', createdAt: 1 });
      expect(modeOf(file)).toBe(0o600);
      expect(modeOf(`${file}-wal`)).toBe(0o600);
      expect(modeOf(`${file}-shm`)).toBe(0o600);
      await store.close();
    } finally {
      process.umask(umask);
      await remove();
    }
  });

  it('takes group and world access away from an existing database and its WAL and shared memory', async () => {
    const { file, remove } = freshDirectory();
    try {
      // A file as the server left it before: made with the umask's 0644, its WAL still there.
      const db = new Database(file);
      db.pragma('journal_mode = WAL');
      db.exec('CREATE TABLE t (x)');
      for (const path of [file, `${file}-wal`, `${file}-shm`]) chmodSync(path, 0o644);
      const store = new SqliteStore(file);
      expect([file, `${file}-wal`, `${file}-shm`].map(modeOf)).toEqual([0o600, 0o600, 0o600]);
      await store.close();
      db.close();
    } finally {
      await remove();
    }
  });

  it('leaves an owner-only mode as it is', async () => {
    const { file, remove } = freshDirectory();
    try {
      writeFileSync(file, '');
      chmodSync(file, 0o400 | 0o200);
      const store = new SqliteStore(file);
      expect(modeOf(file)).toBe(0o600);
      await store.close();
    } finally {
      await remove();
    }
  });
});

describe('sqlite file made before secrets were sealed', () => {
  it('is sealed in place at the first open with a keyring, and reads as before', async () => {
    const { file, remove } = freshDirectory();
    try {
      // Every migration of the schema, and rows written in clear with plain SQL.
      const db = new Database(file);
      const tables = sqliteTables();
      db.exec(`CREATE TABLE ${tables.migrations} (version INTEGER PRIMARY KEY)`);
      SQLITE_MIGRATIONS.forEach((migration, i) => {
        db.exec(migration(tables));
        db.prepare(`INSERT INTO ${tables.migrations} (version) VALUES (?)`).run(i + 1);
      });
      db.prepare(
        `INSERT INTO countersign_consumers (key, secret, name, owner, callback, scopes, signature_methods, two_legged, status, created_at)
         VALUES ('c0nsumer', 'consumer-secret-in-clear', 'App', 'bob', 'oob', '[]', '["HMAC-SHA1"]', 0, 'active', 1)`,
      ).run();
      db.prepare(
        `INSERT INTO countersign_access_tokens (token, secret, consumer_key, user, scopes, created_at)
         VALUES ('t0ken', 'token-secret-in-clear', 'c0nsumer', 'bob', '[]', 1)`,
      ).run();
      db.close();
      expect(fileText(file)).toContain('consumer-secret-in-clear');

      const k1 = keyring(keyLine('k1'));
      const store = new SqliteStore(file, { secrets: k1 });
      expect(store.getConsumer('c0nsumer')?.secret).toBe('consumer-secret-in-clear');
      expect(store.getAccessToken('t0ken')?.secret).toBe('token-secret-in-clear');
      await store.close();
      const text = fileText(file);
      for (const secret of ['consumer-secret-in-clear', 'token-secret-in-clear'])
        expect(text).not.toContain(secret);
    } finally {
      await remove();
    }
  });
});
