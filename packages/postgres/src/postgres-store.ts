/**
 * The PostgreSQL store (node-postgres): a connection pool shared by any number of server instances.
 * The atomic operations are single conditional statements, so they hold across instances: of many
 * concurrent exchanges of one request token, one `UPDATE … WHERE state = 'authorized'` wins.
 * An unreachable database is a `StoreUnavailableError` (503), within a bounded time, never a hang.
 */
import pg from 'pg';
import {
  type AccessToken,
  type Consumer,
  type Decision,
  type MaybePromise,
  type ReadOptions,
  type RedeemAttempt,
  type RequestToken,
  type Store,
  StoreUnavailableError,
  type User,
} from 'countersign';
import {
  type AppData,
  CachedRows,
  CLEAR_SECRETS,
  type Keyring,
  PROBLEMS_KEPT,
  type ProblemBatch,
  type Row,
  readSession,
  redemptionOf,
  rowReaders,
  type SecretBox,
  type Session,
  secretContext,
} from 'countersign/store-kit';
import { POSTGRES_MIGRATIONS } from './postgres-schema.js';
import { openSecrets, reencryptSecrets } from './postgres-secrets.js';

const list = (v: unknown) => v as string[];

export { Keyring, SecretKeyError } from 'countersign/store-kit';

/** Errors that mean "the database cannot be reached right now", as opposed to a bug. */
function isUnavailable(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  if (typeof e.code === 'string' && /^(08|57P0|53)/.test(e.code)) return true;
  if (
    typeof e.code === 'string' &&
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH'].includes(e.code)
  ) {
    return true;
  }
  return /timeout|terminated|Connection ended|not queryable/i.test(e.message ?? '');
}

/** How often expired nonces are swept, in inserts. */
const NONCE_SWEEP_EVERY = 1000;

/**
 * Without `secrets` the consumer and token secrets are kept in clear, for embedding and tests; the
 * reference server always gives a keyring, the same one to every instance.
 *
 * @example
 * ```ts
 * const secrets = Keyring.parse(process.env.COUNTERSIGN_SECRET_KEY ?? '', 'COUNTERSIGN_SECRET_KEY');
 * const store = await PostgresStore.connect('postgres://postgres@127.0.0.1/countersign', { secrets });
 * ```
 */
export class PostgresStore implements Store, AppData {
  readonly #pool: pg.Pool;
  #noncesSinceSweep = 0;
  /**
   * The rows every signed request reads, shared by the requests of this instance. Before a cached
   * row is used, the database's change counter (`cache_epoch`, bumped by triggers on every change,
   * whoever makes it) is read — once per turn of the event loop, shared by every request of that
   * turn, so always after the request arrived: a revocation anywhere is seen by the next request
   * everywhere, at the cost of one small query per turn instead of three per request. The token and
   * user reads of a signed request (`sameRequest`) rely on the check its consumer read made.
   */
  readonly #rows = new CachedRows();
  #epoch: unknown;
  #epochRead: Promise<void> | undefined;
  /** Seals and opens the secret columns: the keyring, or secrets in clear without one. */
  #secrets: SecretBox = CLEAR_SECRETS;
  #keyring: Keyring | undefined;
  #read = rowReaders(list, CLEAR_SECRETS);

  private constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  /**
   * Connects, applies the migrations not yet applied, and checks the keyring.
   *
   * @param options.secrets The keyring that seals secrets at rest. Secrets kept in clear before are
   *   sealed in place by the first instance that connects with one; a database whose secrets were
   *   sealed with a key the keyring lacks, or opened without a keyring, throws a `SecretKeyError`.
   */
  static async connect(
    url: string,
    options: { max?: number; secrets?: Keyring | undefined } = {},
  ): Promise<PostgresStore> {
    const pool = new pg.Pool({
      connectionString: url,
      max: options.max ?? 10,
      connectionTimeoutMillis: 3000,
      statement_timeout: 5000,
      query_timeout: 6000,
    });
    // An idle client losing its connection must not crash the process; the pool replaces it.
    pool.on('error', () => {});
    const store = new PostgresStore(pool);
    try {
      await store.#migrate(options.secrets);
    } catch (error) {
      await pool.end();
      throw error;
    }
    return store;
  }

  async #query(text: string, values: unknown[] = []): Promise<pg.QueryResult<Row>> {
    try {
      return await this.#pool.query<Row>(text, values);
    } catch (error) {
      if (isUnavailable(error))
        throw new StoreUnavailableError(`PostgreSQL unavailable: ${(error as Error).message}`);
      throw error;
    }
  }

  async #transaction<T>(run: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw new StoreUnavailableError(`PostgreSQL unavailable: ${(error as Error).message}`);
    }
    try {
      await client.query('BEGIN');
      const result = await run(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      if (isUnavailable(error))
        throw new StoreUnavailableError(`PostgreSQL unavailable: ${(error as Error).message}`);
      throw error;
    } finally {
      client.release();
    }
  }

  async #migrate(keyring: Keyring | undefined): Promise<void> {
    await this.#transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(5849)');
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)');
      const applied = new Set(
        (await client.query<Row>('SELECT version FROM schema_migrations')).rows.map((r) => Number(r.version)),
      );
      for (const [index, sql] of POSTGRES_MIGRATIONS.entries()) {
        if (applied.has(index + 1)) continue;
        await client.query(sql);
        await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [index + 1]);
      }
      this.#secrets = await openSecrets(client, keyring);
    });
    this.#keyring = keyring;
    this.#read = rowReaders(list, this.#secrets);
  }

  /**
   * Seals every stored secret again under the keyring's sealing key (key rotation), in one
   * transaction; the keyring's other keys may then be removed. Returns how many were sealed.
   */
  async reencryptSecrets(): Promise<number> {
    const keyring = this.#keyring;
    if (!keyring) throw new TypeError('reencryptSecrets needs a store connected with a keyring');
    const count = await this.#transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(5849)');
      return reencryptSecrets(client, keyring);
    });
    this.#rows.clear();
    return count;
  }

  /** Forgets every cached row if the change counter has moved; one read per turn of the event loop. */
  #checkEpoch(): Promise<void> {
    if (this.#epochRead) return this.#epochRead;
    const epochRead = this.#query('SELECT n FROM cache_epoch').then(({ rows }) => {
      const epoch = rows[0]?.n;
      if (epoch === this.#epoch) return;
      this.#epoch = epoch;
      this.#rows.clear();
    });
    this.#epochRead = epochRead;
    setImmediate(() => {
      if (this.#epochRead === epochRead) this.#epochRead = undefined;
    });
    return epochRead;
  }

  /**
   * A cached read: after this turn's check of the change counter, or at once for a read that may
   * rely on the check its request's consumer read made (`ReadOptions.sameRequest`).
   */
  #cachedRead<V>(options: ReadOptions | undefined, read: () => MaybePromise<V>): MaybePromise<V> {
    return options?.sameRequest ? read() : this.#checkEpoch().then(read);
  }

  getConsumer(key: string): MaybePromise<Consumer | undefined> {
    return this.#cachedRead(undefined, () => this.#rows.consumers.getAsync(key, this.#load.consumer));
  }

  /** How each cached row is read from the database when it is not held. */
  readonly #load = {
    consumer: this.#rowLoader('SELECT * FROM consumers WHERE key = $1', (r) => this.#read.consumer(r)),
    accessToken: this.#rowLoader('SELECT * FROM access_tokens WHERE token = $1', (r) =>
      this.#read.accessToken(r),
    ),
    user: this.#rowLoader('SELECT * FROM users WHERE name = $1', (r) => this.#read.user(r)),
  };

  /** Reads one row by key with `sql`, turned into a value by `toValue`. */
  #rowLoader<V>(sql: string, toValue: (row: Row) => V) {
    return async (key: string): Promise<V | undefined> => {
      const { rows } = await this.#query(sql, [key]);
      return rows[0] && toValue(rows[0]);
    };
  }

  async putConsumer(c: Consumer) {
    await this.#query(
      `INSERT INTO consumers (key, secret, name, description, owner, callback, scopes, signature_methods, two_legged,
         rsa_public_key, status, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (key) DO UPDATE SET secret = $2, name = $3, description = $4, owner = $5, callback = $6, scopes = $7,
         signature_methods = $8, two_legged = $9, rsa_public_key = $10, status = $11`,
      [
        c.key,
        this.#secrets.seal(c.secret, secretContext('consumers', 'secret', c.key)),
        c.name,
        c.description ?? null,
        c.owner,
        c.callback,
        c.scopes,
        c.signatureMethods,
        c.twoLegged,
        c.rsaPublicKey ?? null,
        c.status,
        c.createdAt,
      ],
    );
    this.#rows.consumers.forget(c.key);
  }

  async deleteConsumer(key: string) {
    await this.#transaction(async (client) => {
      await client.query('DELETE FROM access_tokens WHERE consumer_key = $1', [key]);
      await client.query('DELETE FROM request_tokens WHERE consumer_key = $1', [key]);
      await client.query('DELETE FROM consumers WHERE key = $1', [key]);
    });
    this.#rows.consumers.forget(key);
    this.#rows.accessTokens.clear();
  }

  async listConsumers(owner: string) {
    const { rows } = await this.#query(
      'SELECT * FROM consumers WHERE owner = $1 ORDER BY created_at DESC, key',
      [owner],
    );
    return rows.map(this.#read.consumer);
  }

  getUser(name: string, options?: ReadOptions): MaybePromise<User | undefined> {
    return this.#cachedRead(options, () => this.#rows.users.getAsync(name, this.#load.user));
  }

  async putUser(u: User) {
    await this.#query(
      `INSERT INTO users (name, status, password_hash, created_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (name) DO UPDATE SET status = $2, password_hash = $3`,
      [u.name, u.status, u.passwordHash ?? null, u.createdAt],
    );
    this.#rows.users.forget(u.name);
  }

  async addUser(u: User) {
    const result = await this.#query(
      `INSERT INTO users (name, status, password_hash, created_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (name) DO NOTHING`,
      [u.name, u.status, u.passwordHash ?? null, u.createdAt],
    );
    this.#rows.users.forget(u.name);
    return result.rowCount === 1;
  }

  async createRequestToken(t: RequestToken) {
    await this.#query(
      `INSERT INTO request_tokens (token, secret, consumer_key, callback, scopes, state, "user", granted_scopes, verifier,
         verifier_failures, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        t.token,
        this.#secrets.seal(t.secret, secretContext('request_tokens', 'secret', t.token)),
        t.consumerKey,
        t.callback,
        t.scopes,
        t.state,
        t.user ?? null,
        t.grantedScopes ?? null,
        t.verifier ?? null,
        t.verifierFailures,
        t.createdAt,
        t.expiresAt,
      ],
    );
  }

  async getRequestToken(token: string) {
    const { rows } = await this.#query('SELECT * FROM request_tokens WHERE token = $1', [token]);
    return rows[0] && this.#read.requestToken(rows[0]);
  }

  async decideRequestToken(token: string, d: Decision) {
    const result = await this.#query(
      `UPDATE request_tokens SET state = $2, "user" = $3, granted_scopes = $4, verifier = $5
       WHERE token = $1 AND state = 'pending'`,
      [
        token,
        d.state,
        d.user,
        d.state === 'authorized' ? d.grantedScopes : null,
        d.state === 'authorized' ? d.verifier : null,
      ],
    );
    return result.rowCount === 1;
  }

  async redeemRequestToken(requestToken: string, attempt: RedeemAttempt) {
    // The row lock queues concurrent redemptions of one token, across instances: each reads the
    // row as the one before it left it, and compares the verifier only then.
    return this.#transaction(async (client) => {
      const { rows } = await client.query<Row>('SELECT * FROM request_tokens WHERE token = $1 FOR UPDATE', [
        requestToken,
      ]);
      const redemption = redemptionOf(rows[0] && this.#read.requestToken(rows[0]), attempt);
      if (redemption.outcome === 'wrong') {
        await client.query('UPDATE request_tokens SET verifier_failures = $2 WHERE token = $1', [
          requestToken,
          redemption.failures,
        ]);
      }
      if (redemption.outcome !== 'exchanged') return redemption;
      const a = attempt.accessToken;
      await client.query(
        `WITH exchanged AS (
             UPDATE request_tokens SET state = 'exchanged' WHERE token = $1 AND state = 'authorized' RETURNING token)
           INSERT INTO access_tokens (token, secret, consumer_key, "user", scopes, created_at, expires_at)
           SELECT $2, $3, $4, $5, $6, $7, $8 FROM exchanged`,
        [
          requestToken,
          a.token,
          this.#secrets.seal(a.secret, secretContext('access_tokens', 'secret', a.token)),
          a.consumerKey,
          a.user,
          a.scopes,
          a.createdAt,
          a.expiresAt ?? null,
        ],
      );
      return redemption;
    });
  }

  getAccessToken(token: string, options?: ReadOptions): MaybePromise<AccessToken | undefined> {
    return this.#cachedRead(options, () => this.#rows.accessTokens.getAsync(token, this.#load.accessToken));
  }

  async revokeAccessToken(token: string, at: number) {
    const result = await this.#query(
      'UPDATE access_tokens SET revoked_at = COALESCE(revoked_at, $2) WHERE token = $1',
      [token, at],
    );
    this.#rows.accessTokens.forget(token);
    return result.rowCount === 1;
  }

  async touchAccessToken(token: string, at: number) {
    await this.#query('UPDATE access_tokens SET last_used_at = $2 WHERE token = $1', [token, at]);
    this.#rows.accessTokens.forget(token);
  }

  async listAccessTokens(user: string) {
    const { rows } = await this.#query(
      'SELECT * FROM access_tokens WHERE "user" = $1 ORDER BY created_at DESC, token',
      [user],
    );
    return rows.map(this.#read.accessToken);
  }

  async recordNonce(key: string, now: number, expiresAt: number) {
    // Already expired: the upsert below would take its replay as new.
    if (expiresAt <= now) return false;
    if (++this.#noncesSinceSweep >= NONCE_SWEEP_EVERY) {
      this.#noncesSinceSweep = 0;
      await this.#query('DELETE FROM nonces WHERE expires_at <= $1', [now]);
    }
    const result = await this.#query(
      `INSERT INTO nonces (key, expires_at) VALUES ($1, $2)
       ON CONFLICT (key) DO UPDATE SET expires_at = $2 WHERE nonces.expires_at <= $3`,
      [key, expiresAt, now],
    );
    return result.rowCount === 1;
  }

  /** Settings are sealed: the one the server keeps is its cookie-signing key. */
  async ensureSetting(name: string, value: string) {
    const context = secretContext('settings', 'value', name);
    await this.#query('INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [
      name,
      this.#secrets.seal(value, context),
    ]);
    const { rows } = await this.#query('SELECT value FROM settings WHERE name = $1', [name]);
    return this.#secrets.open(rows[0]?.value as string, context);
  }

  async createSession(s: Session) {
    await this.#transaction(async (client) => {
      await client.query('DELETE FROM sessions WHERE expires_at <= $1', [s.createdAt]);
      await client.query(
        'INSERT INTO sessions (id_hash, "user", created_at, expires_at) VALUES ($1, $2, $3, $4)',
        [s.idHash, s.user, s.createdAt, s.expiresAt],
      );
    });
  }

  async getSession(idHash: string) {
    const { rows } = await this.#query('SELECT * FROM sessions WHERE id_hash = $1', [idHash]);
    return rows[0] && readSession(rows[0]);
  }

  async touchSession(idHash: string, expiresAt: number) {
    await this.#query('UPDATE sessions SET expires_at = $1 WHERE id_hash = $2', [expiresAt, idHash]);
  }

  async deleteSession(idHash: string) {
    await this.#query('DELETE FROM sessions WHERE id_hash = $1', [idHash]);
  }

  async deleteUserSessions(user: string, keep?: string) {
    const { rowCount } = await this.#query(
      'DELETE FROM sessions WHERE "user" = $1 AND id_hash IS DISTINCT FROM $2',
      [user, keep ?? null],
    );
    return rowCount ?? 0;
  }

  async addNote(user: string, text: string, at: number) {
    const { rows } = await this.#query(
      'INSERT INTO notes ("user", text, created_at) VALUES ($1, $2, $3) RETURNING *',
      [user, text, at],
    );
    return this.#read.note(rows[0] as Row);
  }

  async listNotes(user: string) {
    const { rows } = await this.#query('SELECT * FROM notes WHERE "user" = $1 ORDER BY id DESC', [user]);
    return rows.map(this.#read.note);
  }

  async deleteNote(user: string, id: number) {
    const result = await this.#query('DELETE FROM notes WHERE id = $1 AND "user" = $2', [id, user]);
    return result.rowCount === 1;
  }

  async recordProblems({ events, unrecorded }: ProblemBatch) {
    if (events.length === 0 && unrecorded.size === 0) return;
    await this.#transaction(async (client) => {
      for (const e of events) {
        await client.query(
          'INSERT INTO problem_events (consumer_key, at, endpoint, problem, advice, base_string) VALUES ($1, $2, $3, $4, $5, $6)',
          [e.consumerKey, e.at, e.endpoint, e.problem, e.advice, e.baseString ?? null],
        );
      }
      for (const [consumerKey, count] of unrecorded) {
        await client.query(
          `UPDATE problem_events SET unrecorded = unrecorded + $1
           WHERE id = (SELECT max(id) FROM problem_events WHERE consumer_key = $2)`,
          [count, consumerKey],
        );
      }
      for (const consumerKey of new Set(events.map((e) => e.consumerKey))) {
        await client.query(
          `DELETE FROM problem_events WHERE consumer_key = $1 AND id <= (
             SELECT id FROM problem_events WHERE consumer_key = $1 ORDER BY id DESC LIMIT 1 OFFSET $2)`,
          [consumerKey, PROBLEMS_KEPT],
        );
      }
    });
  }

  async listProblems(consumerKey: string) {
    const { rows } = await this.#query(
      'SELECT * FROM problem_events WHERE consumer_key = $1 ORDER BY id DESC LIMIT $2',
      [consumerKey, PROBLEMS_KEPT],
    );
    return rows.map(this.#read.problemEvent);
  }

  async close() {
    await this.#pool.end();
  }
}
