/**
 * The server's own data in SQLite, in its tables beside the store's, on the store's connection
 * (`SqliteStore.database`): accounts, settings (sealed with the store's keyring), sessions, notes,
 * the problem log and the LTI launch records. Writes are single statements or immediate
 * transactions, so they hold across the processes sharing the file (the server and the admin CLI).
 */
import type Database from 'better-sqlite3';
import {
  CLEAR_SECRETS,
  isSealed,
  type Keyring,
  type Row,
  reseal,
  type SecretBox,
  secretContext,
} from 'countersign/store-kit';
import { readLaunchRecord, readNote, readProblemEvent, readSession } from './rows.js';
import {
  type LaunchRecord,
  PROBLEMS_KEPT,
  type ProblemBatch,
  type ProblemEvent,
  type ServerData,
  type Session,
} from './server-data.js';
import { SERVER_SEALED_COLUMN, type ServerTables, serverTables } from './server-tables.js';

/** The migrations of the server's tables, in order; never edited after release. */
const MIGRATIONS: readonly ((t: ServerTables) => string)[] = [
  (t) => `CREATE TABLE ${t.accounts} (
     name TEXT PRIMARY KEY,
     password_hash TEXT NOT NULL,
     created_at INTEGER NOT NULL
   );
   CREATE TABLE ${t.settings} (
     name TEXT PRIMARY KEY,
     value TEXT NOT NULL
   );
   CREATE TABLE ${t.sessions} (
     id_hash TEXT PRIMARY KEY,
     user TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL
   );
   CREATE INDEX ${t.local('sessions_user')} ON ${t.sessions} (user);
   CREATE INDEX ${t.local('sessions_expiry')} ON ${t.sessions} (expires_at);
   CREATE TABLE ${t.notes} (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     user TEXT NOT NULL,
     text TEXT NOT NULL,
     created_at INTEGER NOT NULL
   );
   CREATE INDEX ${t.local('notes_user')} ON ${t.notes} (user);
   CREATE TABLE ${t.problemEvents} (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     consumer_key TEXT NOT NULL,
     at INTEGER NOT NULL,
     endpoint TEXT NOT NULL,
     problem TEXT NOT NULL,
     advice TEXT NOT NULL,
     base_string TEXT,
     unrecorded INTEGER NOT NULL DEFAULT 0
   );
   CREATE INDEX ${t.local('problem_events_consumer')} ON ${t.problemEvents} (consumer_key, id);`,
  // Version 2: the LTI launches whose page may still send a grade, by the hash of the grade form's id.
  (t) => `CREATE TABLE ${t.ltiLaunches} (
     id_hash TEXT PRIMARY KEY,
     consumer_key TEXT NOT NULL,
     service_url TEXT NOT NULL,
     sourcedid TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL
   );
   CREATE INDEX ${t.local('lti_launches_expiry')} ON ${t.ltiLaunches} (expires_at);`,
];

/** Applies the migrations not yet applied, each in an immediate transaction that checks again. */
function migrate(db: Database.Database, t: ServerTables): void {
  db.exec(`CREATE TABLE IF NOT EXISTS ${t.migrations} (version INTEGER PRIMARY KEY)`);
  const isApplied = db.prepare(`SELECT 1 FROM ${t.migrations} WHERE version = ?`).pluck();
  MIGRATIONS.forEach((migration, index) => {
    const version = index + 1;
    db.transaction(() => {
      if (isApplied.get(version)) return;
      db.exec(migration(t));
      db.prepare(`INSERT INTO ${t.migrations} (version) VALUES (?)`).run(version);
    }).immediate();
  });
}

const settingContext = (name: string) =>
  secretContext(SERVER_SEALED_COLUMN.table, SERVER_SEALED_COLUMN.column, name);

/**
 * @example
 * ```ts
 * const store = new SqliteStore('./data/countersign.db', { secrets });
 * const data = new SqliteServerData(store.database, secrets);
 * ```
 */
export class SqliteServerData implements ServerData {
  readonly #db: Database.Database;
  readonly #t = serverTables();
  readonly #secrets: SecretBox;

  /**
   * Migrates the server's tables on `db`. With a keyring, settings kept in clear (by a server run
   * without one) are sealed in place.
   */
  constructor(db: Database.Database, secrets: Keyring | undefined) {
    this.#db = db;
    this.#secrets = secrets ?? CLEAR_SECRETS;
    migrate(db, this.#t);
    if (secrets) this.#resealSettings(secrets, (value) => !isSealed(value));
  }

  /** Seals again, under the keyring's sealing key, every setting `which` picks; how many. */
  #resealSettings(keyring: Keyring, which: (value: string) => boolean): number {
    const t = this.#t;
    return this.#db
      .transaction(() => {
        const rows = this.#db.prepare(`SELECT name, value FROM ${t.settings}`).all() as Row[];
        const update = this.#db.prepare(`UPDATE ${t.settings} SET value = ? WHERE name = ?`);
        let count = 0;
        for (const { name, value } of rows as { name: string; value: string }[]) {
          if (!which(value)) continue;
          update.run(reseal(value, SERVER_SEALED_COLUMN, name, keyring), name);
          count++;
        }
        return count;
      })
      .immediate();
  }

  /** Seals every setting again under the keyring's sealing key (key rotation); how many. */
  reencryptSecrets(keyring: Keyring): number {
    return this.#resealSettings(keyring, () => true);
  }

  /** Each statement is prepared once, the first time it runs. */
  readonly #prepared = new Map<string, Database.Statement>();

  #statement(sql: string): Database.Statement {
    let statement = this.#prepared.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#prepared.set(sql, statement);
    }
    return statement;
  }

  addAccount(user: string, passwordHash: string, at: number) {
    const result = this.#statement(
      `INSERT INTO ${this.#t.accounts} (name, password_hash, created_at) VALUES (?, ?, ?)
         ON CONFLICT (name) DO NOTHING`,
    ).run(user, passwordHash, at);
    return Promise.resolve(result.changes === 1);
  }

  getPasswordHash(user: string) {
    const hash = this.#statement(`SELECT password_hash FROM ${this.#t.accounts} WHERE name = ?`)
      .pluck()
      .get(user) as string | undefined;
    return Promise.resolve(hash);
  }

  setPasswordHash(user: string, passwordHash: string) {
    this.#statement(`UPDATE ${this.#t.accounts} SET password_hash = ? WHERE name = ?`).run(
      passwordHash,
      user,
    );
    return Promise.resolve();
  }

  /** Settings are sealed: the one the server keeps is its cookie-signing key. */
  ensureSetting(name: string, value: string) {
    const t = this.#t;
    const context = settingContext(name);
    this.#statement(`INSERT OR IGNORE INTO ${t.settings} (name, value) VALUES (?, ?)`).run(
      name,
      this.#secrets.seal(value, context),
    );
    const stored = this.#statement(`SELECT value FROM ${t.settings} WHERE name = ?`).pluck().get(name);
    return Promise.resolve(this.#secrets.open(stored as string, context));
  }

  createSession(s: Session) {
    const t = this.#t;
    this.#db
      .transaction(() => {
        this.#statement(`DELETE FROM ${t.sessions} WHERE expires_at <= ?`).run(s.createdAt);
        this.#statement(
          `INSERT INTO ${t.sessions} (id_hash, user, created_at, expires_at)
             VALUES (@idHash, @user, @createdAt, @expiresAt)`,
        ).run(s);
      })
      .immediate();
    return Promise.resolve();
  }

  getSession(idHash: string) {
    const row = this.#statement(`SELECT * FROM ${this.#t.sessions} WHERE id_hash = ?`).get(idHash);
    return Promise.resolve(row === undefined ? undefined : readSession(row as Row));
  }

  touchSession(idHash: string, expiresAt: number) {
    this.#statement(`UPDATE ${this.#t.sessions} SET expires_at = ? WHERE id_hash = ?`).run(expiresAt, idHash);
    return Promise.resolve();
  }

  deleteSession(idHash: string) {
    this.#statement(`DELETE FROM ${this.#t.sessions} WHERE id_hash = ?`).run(idHash);
    return Promise.resolve();
  }

  deleteUserSessions(user: string, keep?: string) {
    const result = this.#statement(`DELETE FROM ${this.#t.sessions} WHERE user = ? AND id_hash IS NOT ?`).run(
      user,
      keep ?? null,
    );
    return Promise.resolve(result.changes);
  }

  addNote(user: string, text: string, at: number) {
    const row = this.#statement(
      `INSERT INTO ${this.#t.notes} (user, text, created_at) VALUES (?, ?, ?) RETURNING *`,
    ).get(user, text, at);
    return Promise.resolve(readNote(row as Row));
  }

  listNotes(user: string) {
    const rows = this.#statement(`SELECT * FROM ${this.#t.notes} WHERE user = ? ORDER BY id DESC`).all(user);
    return Promise.resolve((rows as Row[]).map(readNote));
  }

  deleteNote(user: string, id: number) {
    const result = this.#statement(`DELETE FROM ${this.#t.notes} WHERE id = ? AND user = ?`).run(id, user);
    return Promise.resolve(result.changes === 1);
  }

  /** One immediate transaction: the events, the unrecorded counts, and the trim to the newest kept. */
  recordProblems({ events, unrecorded }: ProblemBatch) {
    const table = this.#t.problemEvents;
    const insert = this.#statement(
      `INSERT INTO ${table} (consumer_key, at, endpoint, problem, advice, base_string)
       VALUES (@consumerKey, @at, @endpoint, @problem, @advice, @baseString)`,
    );
    const addUnrecorded = this.#statement(
      `UPDATE ${table} SET unrecorded = unrecorded + ?
       WHERE id = (SELECT max(id) FROM ${table} WHERE consumer_key = ?)`,
    );
    const trim = this.#statement(
      `DELETE FROM ${table} WHERE consumer_key = ? AND id <= (
         SELECT id FROM ${table} WHERE consumer_key = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`,
    );
    this.#db
      .transaction(() => {
        for (const e of events) insert.run({ ...e, baseString: e.baseString ?? null });
        for (const [consumerKey, count] of unrecorded) addUnrecorded.run(count, consumerKey);
        for (const consumerKey of new Set(events.map((e) => e.consumerKey)))
          trim.run(consumerKey, consumerKey, PROBLEMS_KEPT);
      })
      .immediate();
    return Promise.resolve();
  }

  listProblems(consumerKey: string): Promise<ProblemEvent[]> {
    const rows = this.#statement(
      `SELECT * FROM ${this.#t.problemEvents} WHERE consumer_key = ? ORDER BY id DESC LIMIT ?`,
    ).all(consumerKey, PROBLEMS_KEPT);
    return Promise.resolve((rows as Row[]).map(readProblemEvent));
  }

  createLaunchRecord(r: LaunchRecord) {
    const t = this.#t;
    this.#db
      .transaction(() => {
        this.#statement(`DELETE FROM ${t.ltiLaunches} WHERE expires_at <= ?`).run(r.createdAt);
        this.#statement(
          `INSERT INTO ${t.ltiLaunches} (id_hash, consumer_key, service_url, sourcedid, created_at, expires_at)
           VALUES (@idHash, @consumerKey, @serviceUrl, @sourcedid, @createdAt, @expiresAt)`,
        ).run(r);
      })
      .immediate();
    return Promise.resolve();
  }

  getLaunchRecord(idHash: string) {
    const row = this.#statement(`SELECT * FROM ${this.#t.ltiLaunches} WHERE id_hash = ?`).get(idHash);
    return Promise.resolve(row === undefined ? undefined : readLaunchRecord(row as Row));
  }
}
