/**
 * `@countersign/postgres`: the PostgreSQL store (node-postgres): a connection pool shared by any
 * number of server instances, its tables under a prefix or in a schema of their own
 * (`postgres-schema.ts`).
 * The atomic operations are single conditional statements, so they hold across instances: of many
 * concurrent exchanges of one request token, one `UPDATE … WHERE state = 'authorized'` wins.
 * An unreachable database is a `StoreUnavailableError` (503), within a bounded time, never a hang.
 */
import pg from 'pg';
import {
  type AccessToken,
  type Consumer,
  type Decision,
  type ImportBatch,
  type ImportResult,
  type MaybePromise,
  type ReadOptions,
  type RedeemAttempt,
  type RequestToken,
  type Store,
  StoreUnavailableError,
  type User,
} from 'countersign';
import {
  CachedRows,
  CLEAR_SECRETS,
  type Keyring,
  type Row,
  redemptionOf,
  rowReaders,
  type SecretBox,
  secretContext,
} from 'countersign/store-kit';
import { POSTGRES_MIGRATIONS, type PostgresTables, postgresTables } from './postgres-schema.js';
import { openSecrets, reencryptSecrets } from './postgres-secrets.js';

const list = (v: unknown) => v as string[];

/** The columns of a consumer row, in the order of `#consumerValues`. */
const CONSUMER_COLUMNS =
  'key, secret, name, description, owner, callback, scopes, signature_methods, two_legged, rsa_public_key, lti, status, created_at, previous_secret, previous_secret_expires_at';

export { Keyring, SecretKeyError, type SecretKeyErrorCode } from 'countersign/store-kit';
export { DEFAULT_TABLE_PREFIX } from './postgres-schema.js';

/** What `PostgresStore.connect` takes besides the URL or the pool. */
export interface PostgresStoreOptions {
  /**
   * The most connections of a pool the store makes from a URL (default 10).
   *
   * @defaultValue `10`
   */
  readonly max?: number | undefined;
  /**
   * The keyring that seals secrets at rest. Secrets kept in clear before are sealed in place by the
   * first instance that connects with one; a database whose secrets were sealed with a key the
   * keyring lacks, or opened without a keyring, throws a `SecretKeyError`.
   *
   * @defaultValue `undefined`: secrets are kept in clear
   */
  readonly secrets?: Keyring | undefined;
  /**
   * What every table, index and function of the store is named with (default `countersign_`): its
   * tables are `countersign_consumers`, …, and its migrations are recorded in
   * `countersign_migrations`. The store touches no other table.
   *
   * @defaultValue `'countersign_'`
   */
  readonly tablePrefix?: string | undefined;
  /**
   * A schema for the store's tables (created if absent); default the connection's search path.
   *
   * @defaultValue `undefined`: the connection's search path
   */
  readonly schema?: string | undefined;
}

/**
 * How many times an import whose keys another import took meanwhile is tried. A unique violation
 * means the other import committed the key, so the check of the second attempt finds it and
 * answers: two always suffice (the store suite races five imports), the third is a margin.
 */
const IMPORT_ATTEMPTS = 3;

/** PostgreSQL's unique_violation: a key stored by another transaction that committed first. */
function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === '23505';
}

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
export class PostgresStore implements Store {
  readonly #pool: pg.Pool;
  /** Whether the store made the pool (and so ends it), or was given it. */
  readonly #ownsPool: boolean;
  readonly #tables: PostgresTables;
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

  /** How each cached row is read from the database when it is not held. */
  readonly #load: {
    readonly consumer: (key: string) => Promise<Consumer | undefined>;
    readonly accessToken: (token: string) => Promise<AccessToken | undefined>;
    readonly user: (name: string) => Promise<User | undefined>;
  };

  private constructor(pool: pg.Pool, ownsPool: boolean, tables: PostgresTables) {
    this.#pool = pool;
    this.#ownsPool = ownsPool;
    this.#tables = tables;
    this.#load = {
      consumer: this.#rowLoader(`SELECT * FROM ${tables.consumers} WHERE key = $1`, (r) =>
        this.#read.consumer(r),
      ),
      accessToken: this.#rowLoader(`SELECT * FROM ${tables.accessTokens} WHERE token = $1`, (r) =>
        this.#read.accessToken(r),
      ),
      user: this.#rowLoader(`SELECT * FROM ${tables.users} WHERE name = $1`, (r) => this.#read.user(r)),
    };
  }

  /**
   * Connects, applies the migrations not yet applied, and checks the keyring. Given a URL, the store
   * makes a pool of its own, whose connections, statements and queries time out (3, 5 and 6 s), so
   * that an unreachable database is a `StoreUnavailableError` in bounded time, and `close` ends it.
   * Given the caller's `pg.Pool`, it uses that pool as it is configured, and `close` leaves it open.
   */
  static async connect(pool: string | pg.Pool, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const tables = postgresTables(options.tablePrefix, options.schema);
    const owned = typeof pool === 'string';
    const connection = owned
      ? new pg.Pool({
          connectionString: pool,
          max: options.max ?? 10,
          connectionTimeoutMillis: 3000,
          statement_timeout: 5000,
          query_timeout: 6000,
        })
      : pool;
    // An idle client losing its connection must not crash the process; the pool replaces it.
    if (owned) connection.on('error', () => {});
    const store = new PostgresStore(connection, owned, tables);
    try {
      await store.#migrate(options.secrets);
    } catch (error) {
      if (owned) await connection.end();
      throw error;
    }
    return store;
  }

  /**
   * The pool the store uses, for an application that keeps tables of its own in the same database
   * (the reference server keeps its accounts and sessions beside the store's tables).
   */
  get pool(): pg.Pool {
    return this.#pool;
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
      const t = this.#tables;
      await client.query('SELECT pg_advisory_xact_lock(5849)');
      if (t.schema !== undefined) await client.query(`CREATE SCHEMA IF NOT EXISTS "${t.schema}"`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${t.migrations} (version INTEGER PRIMARY KEY)`);
      const applied = new Set(
        (await client.query<Row>(`SELECT version FROM ${t.migrations}`)).rows.map((r) => Number(r.version)),
      );
      for (const [index, migration] of POSTGRES_MIGRATIONS.entries()) {
        if (applied.has(index + 1)) continue;
        await client.query(migration(t));
        await client.query(`INSERT INTO ${t.migrations} (version) VALUES ($1)`, [index + 1]);
      }
      this.#secrets = await openSecrets(client, t, keyring);
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
      return reencryptSecrets(client, this.#tables, keyring);
    });
    this.#rows.clear();
    return count;
  }

  /** Forgets every cached row if the change counter has moved; one read per turn of the event loop. */
  #checkEpoch(): Promise<void> {
    if (this.#epochRead) return this.#epochRead;
    const epochRead = this.#query(`SELECT n FROM ${this.#tables.cacheEpoch}`).then(({ rows }) => {
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

  /** Reads one row by key with `sql`, turned into a value by `toValue`. */
  #rowLoader<V>(sql: string, toValue: (row: Row) => V) {
    return async (key: string): Promise<V | undefined> => {
      const { rows } = await this.#query(sql, [key]);
      return rows[0] && toValue(rows[0]);
    };
  }

  async putConsumer(c: Consumer) {
    await this.#query(
      `INSERT INTO ${this.#tables.consumers} (${CONSUMER_COLUMNS})
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
       ON CONFLICT (key) DO UPDATE SET secret = $2, name = $3, description = $4, owner = $5, callback = $6, scopes = $7,
         signature_methods = $8, two_legged = $9, rsa_public_key = $10, lti = $11, status = $12, previous_secret = $14,
         previous_secret_expires_at = $15`,
      this.#consumerValues(c),
    );
    this.#rows.consumers.forget(c.key);
  }

  async addConsumer(c: Consumer) {
    const result = await this.#query(
      `INSERT INTO ${this.#tables.consumers} (${CONSUMER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
       ON CONFLICT (key) DO NOTHING`,
      this.#consumerValues(c),
    );
    this.#rows.consumers.forget(c.key);
    return result.rowCount === 1;
  }

  #consumerValues(c: Consumer): unknown[] {
    return [
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
      c.lti === true,
      c.status,
      c.createdAt,
      c.previousSecret
        ? this.#secrets.seal(c.previousSecret.secret, secretContext('consumers', 'previous_secret', c.key))
        : null,
      c.previousSecret?.expiresAt ?? null,
    ];
  }

  async deleteConsumer(key: string) {
    await this.#transaction(async (client) => {
      await client.query(`DELETE FROM ${this.#tables.accessTokens} WHERE consumer_key = $1`, [key]);
      await client.query(`DELETE FROM ${this.#tables.requestTokens} WHERE consumer_key = $1`, [key]);
      await client.query(`DELETE FROM ${this.#tables.consumers} WHERE key = $1`, [key]);
    });
    this.#rows.consumers.forget(key);
    this.#rows.accessTokens.clear();
  }

  async listConsumers(owner: string) {
    const { rows } = await this.#query(
      `SELECT * FROM ${this.#tables.consumers} WHERE owner = $1 ORDER BY created_at DESC, key`,
      [owner],
    );
    return rows.map(this.#read.consumer);
  }

  getUser(name: string, options?: ReadOptions): MaybePromise<User | undefined> {
    return this.#cachedRead(options, () => this.#rows.users.getAsync(name, this.#load.user));
  }

  async putUser(u: User) {
    await this.#query(
      `INSERT INTO ${this.#tables.users} (name, status, created_at) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET status = $2`,
      [u.name, u.status, u.createdAt],
    );
    this.#rows.users.forget(u.name);
  }

  async addUser(u: User) {
    const result = await this.#query(
      `INSERT INTO ${this.#tables.users} (name, status, created_at) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO NOTHING`,
      [u.name, u.status, u.createdAt],
    );
    this.#rows.users.forget(u.name);
    return result.rowCount === 1;
  }

  async createRequestToken(t: RequestToken) {
    await this.#query(
      `INSERT INTO ${this.#tables.requestTokens} (token, secret, consumer_key, callback, scopes, state, "user", granted_scopes, verifier,
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
    const { rows } = await this.#query(`SELECT * FROM ${this.#tables.requestTokens} WHERE token = $1`, [
      token,
    ]);
    return rows[0] && this.#read.requestToken(rows[0]);
  }

  async decideRequestToken(token: string, d: Decision) {
    const result = await this.#query(
      `UPDATE ${this.#tables.requestTokens} SET state = $2, "user" = $3, granted_scopes = $4, verifier = $5
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
      const { rows } = await client.query<Row>(
        `SELECT * FROM ${this.#tables.requestTokens} WHERE token = $1 FOR UPDATE`,
        [requestToken],
      );
      const redemption = redemptionOf(rows[0] && this.#read.requestToken(rows[0]), attempt);
      if (redemption.outcome === 'wrong') {
        await client.query(
          `UPDATE ${this.#tables.requestTokens} SET verifier_failures = $2 WHERE token = $1`,
          [requestToken, redemption.failures],
        );
      }
      if (redemption.outcome !== 'exchanged') return redemption;
      const a = attempt.accessToken;
      await client.query(
        `WITH exchanged AS (
             UPDATE ${this.#tables.requestTokens} SET state = 'exchanged' WHERE token = $1 AND state = 'authorized' RETURNING token)
           INSERT INTO ${this.#tables.accessTokens} (token, secret, consumer_key, "user", scopes, created_at, expires_at)
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
      `UPDATE ${this.#tables.accessTokens} SET revoked_at = COALESCE(revoked_at, $2) WHERE token = $1`,
      [token, at],
    );
    this.#rows.accessTokens.forget(token);
    return result.rowCount === 1;
  }

  async touchAccessToken(token: string, at: number) {
    await this.#query(`UPDATE ${this.#tables.accessTokens} SET last_used_at = $2 WHERE token = $1`, [
      token,
      at,
    ]);
    this.#rows.accessTokens.forget(token);
  }

  async listAccessTokens(user: string) {
    const { rows } = await this.#query(
      `SELECT * FROM ${this.#tables.accessTokens} WHERE "user" = $1 ORDER BY created_at DESC, token`,
      [user],
    );
    return rows.map(this.#read.accessToken);
  }

  async importRecords(batch: ImportBatch): Promise<ImportResult> {
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          return await this.#transaction((client) => this.#importIn(client, batch));
        } catch (error) {
          // Another import stored one of these keys after this one's check, and committed: the insert
          // failed on the key, and the check, run again, answers which keys are stored.
          if (batch.replace || !isUniqueViolation(error) || attempt === IMPORT_ATTEMPTS) throw error;
        }
      }
    } finally {
      this.#rows.clear();
    }
  }

  /**
   * The import inside its transaction. Without `replace` the inserts have no conflict clause, so a
   * key stored by someone else after the check fails the whole import instead of replacing it (and
   * `importRecords` checks again, to answer which keys are stored). With
   * it, a stored consumer that is not active keeps its status, and a stored revoked token stays
   * revoked from the earlier time (LEAST ignores a NULL).
   */
  async #importIn(client: pg.PoolClient, batch: ImportBatch): Promise<ImportResult> {
    const t = this.#tables;
    if (!batch.replace) {
      const keys = batch.consumers.map((c) => c.key);
      const tokens = batch.accessTokens.map((a) => a.token);
      // One statement, so one snapshot: another import committing meanwhile is seen whole or not at all.
      const { rows } = await client.query<Row>(
        `SELECT 'consumer' AS kind, key AS v FROM ${t.consumers} WHERE key = ANY($1)
         UNION ALL SELECT 'token', token FROM ${t.accessTokens} WHERE token = ANY($2)`,
        [keys, tokens],
      );
      const stored = (kind: string) => new Set(rows.filter((r) => r.kind === kind).map((r) => String(r.v)));
      const [consumers, accessTokens] = [stored('consumer'), stored('token')];
      if (consumers.size + accessTokens.size > 0)
        return {
          imported: false,
          existingConsumers: keys.filter((k) => consumers.has(k)),
          existingAccessTokens: tokens.filter((k) => accessTokens.has(k)),
        };
    }
    for (const u of batch.users)
      await client.query(
        `INSERT INTO ${t.users} (name, status, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING`,
        [u.name, u.status, u.createdAt],
      );
    const onConsumerConflict = batch.replace
      ? `ON CONFLICT (key) DO UPDATE SET secret = $2, name = $3, description = $4, owner = $5, callback = $6, scopes = $7,
           signature_methods = $8, two_legged = $9, rsa_public_key = $10, lti = $11, created_at = $13,
           status = CASE WHEN stored.status = 'active' THEN $12 ELSE stored.status END,
           previous_secret = $14, previous_secret_expires_at = $15`
      : '';
    for (const c of batch.consumers)
      await client.query(
        `INSERT INTO ${t.consumers} AS stored (${CONSUMER_COLUMNS})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) ${onConsumerConflict}`,
        this.#consumerValues(c),
      );
    const onTokenConflict = batch.replace
      ? `ON CONFLICT (token) DO UPDATE SET secret = $2, consumer_key = $3, "user" = $4, scopes = $5, created_at = $6,
           expires_at = $7, revoked_at = LEAST(stored.revoked_at, $8), last_used_at = $9`
      : '';
    for (const a of batch.accessTokens)
      await client.query(
        `INSERT INTO ${t.accessTokens} AS stored (token, secret, consumer_key, "user", scopes, created_at, expires_at,
           revoked_at, last_used_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ${onTokenConflict}`,
        [
          a.token,
          this.#secrets.seal(a.secret, secretContext('access_tokens', 'secret', a.token)),
          a.consumerKey,
          a.user,
          a.scopes,
          a.createdAt,
          a.expiresAt ?? null,
          a.revokedAt ?? null,
          a.lastUsedAt ?? null,
        ],
      );
    return { imported: true };
  }

  async recordNonce(key: string, now: number, expiresAt: number) {
    // Already expired: the upsert below would take its replay as new.
    if (expiresAt <= now) return false;
    if (++this.#noncesSinceSweep >= NONCE_SWEEP_EVERY) {
      this.#noncesSinceSweep = 0;
      await this.#query(`DELETE FROM ${this.#tables.nonces} WHERE expires_at <= $1`, [now]);
    }
    const result = await this.#query(
      `INSERT INTO ${this.#tables.nonces} AS n (key, expires_at) VALUES ($1, $2)
       ON CONFLICT (key) DO UPDATE SET expires_at = $2 WHERE n.expires_at <= $3`,
      [key, expiresAt, now],
    );
    return result.rowCount === 1;
  }

  async close() {
    if (this.#ownsPool) await this.#pool.end();
  }
}
