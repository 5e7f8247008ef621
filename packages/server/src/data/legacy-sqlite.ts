/**
 * Adopting a SQLite file of the old layout (countersign 0.1 before the packages: unprefixed
 * `users`, `consumers`, … and `schema_migrations`), as `npm start` left it in
 * `./data/countersign.db`: its rows are moved into the store's and the server's prefixed tables, and
 * the old tables dropped, in one transaction. Only a file holding every old table, with its
 * `schema_migrations` at exactly the old versions 1–5 and the prefixed tables still empty, is taken
 * for one; a database with an application's own `users` or `schema_migrations` is left alone.
 */
import type Database from 'better-sqlite3';
import {
  checkKeys,
  isSealed,
  KEY_CHECK_SETTING,
  type Keyring,
  type Row,
  SEALED_COLUMNS,
  secretContext,
} from 'countersign/store-kit';
import { SERVER_SEALED_COLUMN, serverTables } from './server-tables.js';

/** The old layout's tables. */
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
] as const;

/** The engine's tables of the old layout, and their new names under the store's default prefix. */
const STORE_TABLES = ['consumers', 'request_tokens', 'access_tokens', 'nonce_log'] as const;
const STORE_PREFIX = 'countersign_';

/** Whether `db` holds the old layout, and nothing has been moved yet. */
function isLegacy(db: Database.Database): boolean {
  const tables = new Set(
    db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all() as string[],
  );
  if (!OLD_TABLES.every((table) => tables.has(table))) return false;
  const versions = db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all();
  if (versions.join(',') !== '1,2,3,4,5') return false;
  const userColumns = (
    db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('users') as string[]
  ).sort();
  if (userColumns.join(',') !== 'created_at,name,password_hash,status') return false;
  const moved = db.prepare(`SELECT count(*) FROM ${STORE_PREFIX}consumers`).pluck().get() as number;
  const users = db.prepare(`SELECT count(*) FROM ${STORE_PREFIX}users`).pluck().get() as number;
  return moved === 0 && users === 0;
}

/** Copies every row of `from` into `to`, column by column, each secret sealed if it was in clear. */
function copyRows(
  db: Database.Database,
  from: string,
  to: string,
  keyring: Keyring,
  sealed?: { readonly table: string; readonly key: string; readonly column: string },
): void {
  const rows = db.prepare(`SELECT * FROM ${from}`).all() as Row[];
  const first = rows[0];
  if (!first) return;
  const columns = Object.keys(first);
  const insert = db.prepare(
    `INSERT INTO ${to} (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`,
  );
  for (const row of rows) {
    const value = sealed && (row[sealed.column] as string);
    if (sealed && value !== undefined && !isSealed(value)) {
      const context = secretContext(sealed.table, sealed.column, row[sealed.key] as string);
      row[sealed.column] = keyring.seal(value, context);
    }
    insert.run(row);
  }
}

/**
 * Moves a file of the old layout into the new tables, once; returns whether it did. The keyring
 * must hold every key the old file's secrets were sealed with (a `SecretKeyError` otherwise, and
 * nothing is changed). The store (default prefix) and the server's data must be open on `db`.
 *
 * @example
 * ```ts
 * const store = new SqliteStore(file, { secrets });
 * const data = new SqliteServerData(store.database, secrets);
 * adoptLegacySqlite(store.database, secrets);
 * ```
 */
export function adoptLegacySqlite(db: Database.Database, keyring: Keyring): boolean {
  if (!isLegacy(db)) return false;
  const server = serverTables();
  db.pragma('secure_delete = ON');
  try {
    db.transaction(() => {
      const oldCheck = db.prepare('SELECT value FROM settings WHERE name = ?').pluck().get(KEY_CHECK_SETTING);
      const check = checkKeys(oldCheck as string | undefined, keyring);
      db.prepare(
        `INSERT INTO ${STORE_PREFIX}meta (name, value) VALUES (?, ?)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value`,
      ).run(KEY_CHECK_SETTING, check);
      db.exec(`INSERT INTO ${STORE_PREFIX}users (name, status, created_at) SELECT name, status, created_at FROM users;
        INSERT INTO ${server.accounts} (name, password_hash, created_at)
          SELECT name, password_hash, created_at FROM users WHERE password_hash IS NOT NULL;`);
      for (const table of STORE_TABLES)
        copyRows(
          db,
          table,
          `${STORE_PREFIX}${table}`,
          keyring,
          SEALED_COLUMNS.find((c) => c.table === table),
        );
      db.exec(`DELETE FROM settings WHERE name = '${KEY_CHECK_SETTING}'`);
      copyRows(db, 'settings', server.settings, keyring, SERVER_SEALED_COLUMN);
      copyRows(db, 'sessions', server.sessions, keyring);
      copyRows(db, 'notes', server.notes, keyring);
      copyRows(db, 'problem_events', server.problemEvents, keyring);
      for (const table of OLD_TABLES) db.exec(`DROP TABLE ${table}`);
    }).immediate();
  } finally {
    db.pragma('secure_delete = OFF');
  }
  return true;
}
