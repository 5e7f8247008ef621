/**
 * The server's own data in PostgreSQL, in its tables beside the store's (in the store's schema, if
 * it has one), on the store's pool (`PostgresStore.pool`): accounts, settings (sealed with the
 * store's keyring), sessions, notes, the problem log and the LTI launch records. Migrations run
 * under the store's advisory lock, so instances starting together do not race.
 */
import type pg from 'pg';
import { errors } from 'countersign';
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
     created_at BIGINT NOT NULL
   );
   CREATE TABLE ${t.settings} (
     name TEXT PRIMARY KEY,
     value TEXT NOT NULL
   );
   CREATE TABLE ${t.sessions} (
     id_hash TEXT PRIMARY KEY,
     "user" TEXT NOT NULL,
     created_at BIGINT NOT NULL,
     expires_at BIGINT NOT NULL
   );
   CREATE INDEX ${t.local('sessions_user')} ON ${t.sessions} ("user");
   CREATE INDEX ${t.local('sessions_expiry')} ON ${t.sessions} (expires_at);
   CREATE TABLE ${t.notes} (
     id BIGSERIAL PRIMARY KEY,
     "user" TEXT NOT NULL,
     text TEXT NOT NULL,
     created_at BIGINT NOT NULL
   );
   CREATE INDEX ${t.local('notes_user')} ON ${t.notes} ("user");
   CREATE TABLE ${t.problemEvents} (
     id BIGSERIAL PRIMARY KEY,
     consumer_key TEXT NOT NULL,
     at BIGINT NOT NULL,
     endpoint TEXT NOT NULL,
     problem TEXT NOT NULL,
     advice TEXT NOT NULL,
     base_string TEXT,
     unrecorded BIGINT NOT NULL DEFAULT 0
   );
   CREATE INDEX ${t.local('problem_events_consumer')} ON ${t.problemEvents} (consumer_key, id);`,
  // Version 2: the LTI launches whose page may still send a grade, by the hash of the grade form's id.
  (t) => `CREATE TABLE ${t.ltiLaunches} (
     id_hash TEXT PRIMARY KEY,
     consumer_key TEXT NOT NULL,
     service_url TEXT NOT NULL,
     sourcedid TEXT NOT NULL,
     created_at BIGINT NOT NULL,
     expires_at BIGINT NOT NULL
   );
   CREATE INDEX ${t.local('lti_launches_expiry')} ON ${t.ltiLaunches} (expires_at);`,
];

/** Errors that mean "the database cannot be reached right now", as the store reads them. */
function isUnavailable(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  if (typeof e.code === 'string' && /^(08|57P0|53)/.test(e.code)) return true;
  if (
    typeof e.code === 'string' &&
    /^E(CONNREFUSED|CONNRESET|TIMEDOUT|PIPE|NOTFOUND|HOSTUNREACH)$/.test(e.code)
  )
    return true;
  return /timeout|terminated|Connection ended|not queryable/i.test(e.message ?? '');
}

const settingContext = (name: string) =>
  secretContext(SERVER_SEALED_COLUMN.table, SERVER_SEALED_COLUMN.column, name);

/**
 * @example
 * ```ts
 * const store = await PostgresStore.connect(url, { secrets });
 * const data = await PostgresServerData.connect(store.pool, secrets);
 * ```
 */
export class PostgresServerData implements ServerData {
  readonly #pool: pg.Pool;
  readonly #t: ServerTables;
  readonly #secrets: SecretBox;

  private constructor(pool: pg.Pool, t: ServerTables, secrets: SecretBox) {
    this.#pool = pool;
    this.#t = t;
    this.#secrets = secrets;
  }

  /**
   * Migrates the server's tables (in `schema`, when the store has one). With a keyring, settings
   * kept in clear are sealed in place.
   */
  static async connect(
    pool: pg.Pool,
    secrets: Keyring | undefined,
    schema?: string,
  ): Promise<PostgresServerData> {
    const data = new PostgresServerData(pool, serverTables(schema), secrets ?? CLEAR_SECRETS);
    await data.#transaction(async (client) => {
      const t = data.#t;
      await client.query('SELECT pg_advisory_xact_lock(5849)');
      await client.query(`CREATE TABLE IF NOT EXISTS ${t.migrations} (version INTEGER PRIMARY KEY)`);
      const applied = new Set(
        (await client.query<Row>(`SELECT version FROM ${t.migrations}`)).rows.map((r) => Number(r.version)),
      );
      for (const [index, migration] of MIGRATIONS.entries()) {
        if (applied.has(index + 1)) continue;
        await client.query(migration(t));
        await client.query(`INSERT INTO ${t.migrations} (version) VALUES ($1)`, [index + 1]);
      }
      if (secrets) await data.#resealSettings(client, secrets, (value) => !isSealed(value));
    });
    return data;
  }

  async #query(text: string, values: unknown[] = []): Promise<pg.QueryResult<Row>> {
    try {
      return await this.#pool.query<Row>(text, values);
    } catch (error) {
      if (isUnavailable(error))
        throw new errors.StoreUnavailableError(`PostgreSQL unavailable: ${(error as Error).message}`);
      throw error;
    }
  }

  async #transaction<T>(run: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw new errors.StoreUnavailableError(`PostgreSQL unavailable: ${(error as Error).message}`);
    }
    try {
      await client.query('BEGIN');
      const result = await run(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      if (isUnavailable(error))
        throw new errors.StoreUnavailableError(`PostgreSQL unavailable: ${(error as Error).message}`);
      throw error;
    } finally {
      client.release();
    }
  }

  async #resealSettings(
    client: pg.PoolClient,
    keyring: Keyring,
    which: (value: string) => boolean,
  ): Promise<number> {
    const t = this.#t;
    const { rows } = await client.query<Row>(`SELECT name, value FROM ${t.settings} FOR UPDATE`);
    let count = 0;
    for (const { name, value } of rows as { name: string; value: string }[]) {
      if (!which(value)) continue;
      const sealed = reseal(value, SERVER_SEALED_COLUMN, name, keyring);
      await client.query(`UPDATE ${t.settings} SET value = $1 WHERE name = $2`, [sealed, name]);
      count++;
    }
    return count;
  }

  /** Seals every setting again under the keyring's sealing key (key rotation); how many. */
  reencryptSecrets(keyring: Keyring): Promise<number> {
    return this.#transaction((client) => this.#resealSettings(client, keyring, () => true));
  }

  async addAccount(user: string, passwordHash: string, at: number) {
    const result = await this.#query(
      `INSERT INTO ${this.#t.accounts} (name, password_hash, created_at) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO NOTHING`,
      [user, passwordHash, at],
    );
    return result.rowCount === 1;
  }

  async getPasswordHash(user: string) {
    const { rows } = await this.#query(`SELECT password_hash FROM ${this.#t.accounts} WHERE name = $1`, [
      user,
    ]);
    return rows[0]?.password_hash as string | undefined;
  }

  async setPasswordHash(user: string, passwordHash: string) {
    await this.#query(`UPDATE ${this.#t.accounts} SET password_hash = $2 WHERE name = $1`, [
      user,
      passwordHash,
    ]);
  }

  /** Settings are sealed: the one the server keeps is its cookie-signing key. */
  async ensureSetting(name: string, value: string) {
    const context = settingContext(name);
    await this.#query(
      `INSERT INTO ${this.#t.settings} (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`,
      [name, this.#secrets.seal(value, context)],
    );
    const { rows } = await this.#query(`SELECT value FROM ${this.#t.settings} WHERE name = $1`, [name]);
    return this.#secrets.open(rows[0]?.value as string, context);
  }

  async createSession(s: Session) {
    await this.#transaction(async (client) => {
      await client.query(`DELETE FROM ${this.#t.sessions} WHERE expires_at <= $1`, [s.createdAt]);
      await client.query(
        `INSERT INTO ${this.#t.sessions} (id_hash, "user", created_at, expires_at) VALUES ($1, $2, $3, $4)`,
        [s.idHash, s.user, s.createdAt, s.expiresAt],
      );
    });
  }

  async getSession(idHash: string) {
    const { rows } = await this.#query(`SELECT * FROM ${this.#t.sessions} WHERE id_hash = $1`, [idHash]);
    return rows[0] && readSession(rows[0]);
  }

  async touchSession(idHash: string, expiresAt: number) {
    await this.#query(`UPDATE ${this.#t.sessions} SET expires_at = $1 WHERE id_hash = $2`, [
      expiresAt,
      idHash,
    ]);
  }

  async deleteSession(idHash: string) {
    await this.#query(`DELETE FROM ${this.#t.sessions} WHERE id_hash = $1`, [idHash]);
  }

  async deleteUserSessions(user: string, keep?: string) {
    const { rowCount } = await this.#query(
      `DELETE FROM ${this.#t.sessions} WHERE "user" = $1 AND id_hash IS DISTINCT FROM $2`,
      [user, keep ?? null],
    );
    return rowCount ?? 0;
  }

  async addNote(user: string, text: string, at: number) {
    const { rows } = await this.#query(
      `INSERT INTO ${this.#t.notes} ("user", text, created_at) VALUES ($1, $2, $3) RETURNING *`,
      [user, text, at],
    );
    return readNote(rows[0] as Row);
  }

  async listNotes(user: string) {
    const { rows } = await this.#query(`SELECT * FROM ${this.#t.notes} WHERE "user" = $1 ORDER BY id DESC`, [
      user,
    ]);
    return rows.map(readNote);
  }

  async deleteNote(user: string, id: number) {
    const result = await this.#query(`DELETE FROM ${this.#t.notes} WHERE id = $1 AND "user" = $2`, [
      id,
      user,
    ]);
    return result.rowCount === 1;
  }

  async recordProblems({ events, unrecorded }: ProblemBatch) {
    if (events.length === 0 && unrecorded.size === 0) return;
    const table = this.#t.problemEvents;
    await this.#transaction(async (client) => {
      for (const e of events) {
        await client.query(
          `INSERT INTO ${table} (consumer_key, at, endpoint, problem, advice, base_string) VALUES ($1, $2, $3, $4, $5, $6)`,
          [e.consumerKey, e.at, e.endpoint, e.problem, e.advice, e.baseString ?? null],
        );
      }
      for (const [consumerKey, count] of unrecorded) {
        await client.query(
          `UPDATE ${table} SET unrecorded = unrecorded + $1
           WHERE id = (SELECT max(id) FROM ${table} WHERE consumer_key = $2)`,
          [count, consumerKey],
        );
      }
      for (const consumerKey of new Set(events.map((e) => e.consumerKey))) {
        await client.query(
          `DELETE FROM ${table} WHERE consumer_key = $1 AND id <= (
             SELECT id FROM ${table} WHERE consumer_key = $1 ORDER BY id DESC LIMIT 1 OFFSET $2)`,
          [consumerKey, PROBLEMS_KEPT],
        );
      }
    });
  }

  async listProblems(consumerKey: string): Promise<ProblemEvent[]> {
    const { rows } = await this.#query(
      `SELECT * FROM ${this.#t.problemEvents} WHERE consumer_key = $1 ORDER BY id DESC LIMIT $2`,
      [consumerKey, PROBLEMS_KEPT],
    );
    return rows.map(readProblemEvent);
  }

  async createLaunchRecord(r: LaunchRecord) {
    await this.#transaction(async (client) => {
      await client.query(`DELETE FROM ${this.#t.ltiLaunches} WHERE expires_at <= $1`, [r.createdAt]);
      await client.query(
        `INSERT INTO ${this.#t.ltiLaunches} (id_hash, consumer_key, service_url, sourcedid, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [r.idHash, r.consumerKey, r.serviceUrl, r.sourcedid, r.createdAt, r.expiresAt],
      );
    });
  }

  async getLaunchRecord(idHash: string) {
    const { rows } = await this.#query(`SELECT * FROM ${this.#t.ltiLaunches} WHERE id_hash = $1`, [idHash]);
    return rows[0] && readLaunchRecord(rows[0]);
  }
}
