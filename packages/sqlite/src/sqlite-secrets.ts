/**
 * The SQLite store's secrets at rest: a database file only its owner may read, and the sealed
 * columns (`sealed-columns.ts`) checked against the keyring when the file is opened, sealed in place
 * the first time a keyring opens a file that kept them in clear, and sealed again under the
 * sealing key by `reencryptSecrets` (key rotation).
 */
import { chmodSync, closeSync, openSync, statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import {
  checkKeys,
  currentKeyCheck,
  KEY_CHECK_SETTING,
  refuseSealed,
  reseal,
  SEALED_COLUMNS,
  CLEAR_SECRETS,
  type Keyring,
  type SecretBox,
} from 'countersign/store-kit';
import type { SqliteTables } from './sqlite-schema.js';

/**
 * Creates the database file with mode 0600 if it is not there, and takes group and world access
 * away from an existing one and its WAL and shared-memory files. SQLite creates the WAL and
 * shared-memory files with the database file's mode, so they follow.
 */
export function makePrivate(file: string): void {
  if (file === '' || file === ':memory:') return;
  // Created with 0600 (a umask can only take bits away); an existing file keeps its mode here.
  closeSync(openSync(file, 'a', 0o600));
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    let mode: number;
    try {
      mode = statSync(path).mode & 0o777;
    } catch {
      continue; // no WAL or shared memory yet
    }
    if ((mode & 0o077) === 0) continue;
    try {
      chmodSync(path, mode & 0o700);
    } catch (error) {
      // A file of another user that this one may write but not chmod: it stays as its owner set it.
      if ((error as { code?: string }).code !== 'EPERM') throw error;
    }
  }
}

/**
 * What seals and opens the file's secrets: `keyring`, after checking that it holds every key the
 * file's secrets were sealed with (sealing them first, in one transaction, if they were in clear);
 * or, without a keyring, secrets in clear, refusing a file whose secrets are sealed.
 */
export function openSecrets(db: Database.Database, t: SqliteTables, keyring: Keyring | undefined): SecretBox {
  const getCheck = db.prepare(`SELECT value FROM ${t.meta} WHERE name = ?`).pluck();
  const stored = () => getCheck.get(KEY_CHECK_SETTING) as string | undefined;
  if (!keyring) {
    refuseSealed(stored());
    return CLEAR_SECRETS;
  }
  const initial = stored();
  // Most opens find the check as it should be and write nothing.
  if (initial !== undefined && checkKeys(initial, keyring) === initial) return keyring;
  withSecureDelete(db, () =>
    db
      .transaction(() => {
        const current = stored();
        if (current === undefined) resealAll(db, t, keyring);
        saveCheck(db, t, checkKeys(current, keyring));
      })
      .immediate(),
  );
  return keyring;
}

/**
 * Seals every secret again under the keyring's sealing key, in one transaction, and then lets the
 * key check name that key alone: the other keys may then be removed. Returns how many were sealed.
 */
export function reencryptSecrets(db: Database.Database, t: SqliteTables, keyring: Keyring): number {
  return withSecureDelete(db, () =>
    db
      .transaction(() => {
        const count = resealAll(db, t, keyring);
        saveCheck(db, t, currentKeyCheck(keyring));
        return count;
      })
      .immediate(),
  );
}

function resealAll(db: Database.Database, t: SqliteTables, keyring: Keyring): number {
  let count = 0;
  for (const column of SEALED_COLUMNS) {
    const { key, column: name } = column;
    const table = t.table(column.table);
    // All rows first: better-sqlite3 runs no statement while another is iterating.
    // A column that may be NULL (the previous secret) has nothing to seal in those rows.
    const rows = db.prepare(`SELECT ${key}, ${name} FROM ${table} WHERE ${name} IS NOT NULL`).raw().all() as [
      string,
      string,
    ][];
    const update = db.prepare(`UPDATE ${table} SET ${name} = ? WHERE ${key} = ?`);
    for (const [rowKey, value] of rows) update.run(reseal(value, column, rowKey, keyring), rowKey);
    count += rows.length;
  }
  return count;
}

function saveCheck(db: Database.Database, t: SqliteTables, value: string): void {
  db.prepare(
    `INSERT INTO ${t.meta} (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value`,
  ).run(KEY_CHECK_SETTING, value);
}

/**
 * Runs `work` with SQLite overwriting what it deletes, so that the secrets it replaces do not stay
 * in clear in the file's free space; then copies the WAL back into the file and empties it.
 */
function withSecureDelete<T>(db: Database.Database, work: () => T): T {
  db.pragma('secure_delete = ON');
  try {
    return work();
  } finally {
    db.pragma('secure_delete = OFF');
    db.pragma('wal_checkpoint(TRUNCATE)');
  }
}
