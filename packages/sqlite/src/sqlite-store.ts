/**
 * `@countersign/sqlite`: the SQLite store (better-sqlite3): one file, WAL mode, its tables under a
 * prefix with versioned migrations of their own (`sqlite-schema.ts`), prepared statements
 * (`sqlite-statements.ts`). Statements run synchronously inside one call, and the two atomic
 * operations are single conditional statements or an immediate transaction, so they stay atomic
 * even when several processes (the server and the admin CLI) share the file. For the reads and
 * writes of every signed request: cached rows checked against SQLite's data version, an in-process
 * nonce cache deciding over an append-only, group-committed nonce log, and checkpoints on a thread
 * of their own.
 */
import type { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import {
  type AccessToken,
  type Consumer,
  type Decision,
  type ImportBatch,
  type ImportResult,
  type MaybePromise,
  type RedeemAttempt,
  type RequestToken,
  type Store,
  StoreUnavailableError,
  type User,
} from 'countersign';
import {
  CachedRows,
  type Keyring,
  NonceCache,
  type Row,
  rowReaders,
  type SecretBox,
  secretContext,
} from 'countersign/store-kit';
import { makePrivate, openSecrets, reencryptSecrets } from './sqlite-secrets.js';
import { startCheckpointer, stopCheckpointer } from './sqlite-checkpointer.js';
import { migrate, type PendingNonce, prepare, type SqliteStatements } from './sqlite-statements.js';
import { type SqliteTables, sqliteTables } from './sqlite-schema.js';

const list = (v: unknown) => JSON.parse(v as string) as string[];

export { Keyring, SecretKeyError, type SecretKeyErrorCode } from 'countersign/store-kit';
export { DEFAULT_TABLE_PREFIX } from './sqlite-schema.js';

/** What `new SqliteStore` takes besides the file or the database. */
export interface SqliteStoreOptions {
  /**
   * Keep the rows signed requests read in memory (default `true`); with `false` every request
   * reads them from the file, as the benchmark of lookups does.
   *
   * @defaultValue `true`
   */
  readonly cacheRows?: boolean | undefined;
  /**
   * The keyring that seals secrets at rest. Secrets kept in clear by an earlier open are sealed in
   * place on the first open with one; a database whose secrets were sealed with a key the keyring
   * lacks, or opened without a keyring, throws a `SecretKeyError`.
   *
   * @defaultValue `undefined`: secrets are kept in clear
   */
  readonly secrets?: Keyring | undefined;
  /**
   * What every table and index of the store is named with (default `countersign_`): its tables are
   * `countersign_consumers`, …, and its migrations are recorded in `countersign_migrations`. The
   * store touches no other table.
   *
   * @defaultValue `'countersign_'`
   */
  readonly tablePrefix?: string | undefined;
}

/** Expired nonces are deleted from the log after this many appends. */
const NONCE_SWEEP_EVERY = 1000;

/**
 * @example
 * ```ts
 * const store = new SqliteStore('./data/countersign.db');
 * const provider = createProvider({ store });
 * // or on the application's own database, beside its tables:
 * const shared = new SqliteStore(new Database('./app.db'), { tablePrefix: 'oauth_' });
 * ```
 */
export class SqliteStore implements Store {
  readonly #db: Database.Database;
  /** Whether the store opened the database (and so closes it), or was given it. */
  readonly #ownsDatabase: boolean;
  readonly #tables: SqliteTables;
  readonly #sql: SqliteStatements;
  /**
   * The unexpired nonces of the log (this process's and those other processes appended), so that
   * a replay is refused without a query; it decides which nonces are new.
   */
  readonly #nonceCache = new NonceCache();
  /** The id of the last log entry this process has read or written. */
  #nonceLogSeen = 0;
  /** Nonces waiting for the next group commit. */
  #pendingNonces: PendingNonce[] = [];
  #noncesSinceSweep = 0;
  #checkpointer: Worker | undefined;
  readonly #file: string;
  /**
   * The rows every signed request reads. Writes through this store forget what they change; writes
   * by another process (the admin CLI) change SQLite's data version, which is read once per turn of
   * the event loop before anything cached is used, and then everything is forgotten.
   */
  readonly #rows: CachedRows;
  /** How each cached row is read from the file when it is not held. */
  readonly #load: {
    readonly consumer: (key: string) => Consumer | undefined;
    readonly accessToken: (token: string) => AccessToken | undefined;
    readonly user: (name: string) => User | undefined;
  };
  #dataVersion: unknown;
  #versionCheckedThisTurn = false;
  /** Seals and opens the secret columns: the keyring, or secrets in clear without one. */
  readonly #secrets: SecretBox;
  readonly #keyring: Keyring | undefined;
  readonly #read: ReturnType<typeof rowReaders>;

  /**
   * Opens the database file (created with mode 0600, and an existing one made private to its
   * owner), or uses a better-sqlite3 `Database` of the caller's, which `close` then leaves open.
   * Either way the database is put in WAL mode, with a busy timeout of 5 s: several processes (the
   * server and the admin CLI) may share it.
   */
  constructor(database: string | Database.Database, options: SqliteStoreOptions = {}) {
    this.#tables = sqliteTables(options.tablePrefix);
    this.#rows = new CachedRows((options.cacheRows ?? true) ? 10_000 : 0);
    this.#ownsDatabase = typeof database === 'string';
    if (typeof database === 'string') makePrivate(database);
    this.#db = typeof database === 'string' ? new Database(database) : database;
    try {
      this.#db.pragma('journal_mode = WAL');
      this.#db.pragma('synchronous = FULL');
      this.#db.pragma('busy_timeout = 5000');
      this.#db.pragma('mmap_size = 268435456');
      migrate(this.#db, this.#tables);
      this.#secrets = openSecrets(this.#db, this.#tables, options.secrets);
    } catch (error) {
      if (this.#ownsDatabase) this.#db.close();
      throw error;
    }
    this.#keyring = options.secrets;
    this.#read = rowReaders(list, this.#secrets);
    this.#sql = prepare(this.#db, this.#tables);
    this.#load = {
      consumer: rowLoader(this.#sql.getConsumer, this.#read.consumer),
      accessToken: rowLoader(this.#sql.getAccessToken, this.#read.accessToken),
      user: rowLoader(this.#sql.getUser, this.#read.user),
    };
    this.#file = this.#db.memory ? ':memory:' : this.#db.name;
  }

  /**
   * The connection the store uses, for an application that keeps tables of its own in the same
   * database (the reference server keeps its accounts and sessions beside the store's tables).
   */
  get database(): Database.Database {
    return this.#db;
  }

  /** The prefix of the store's tables. */
  get tablePrefix(): string {
    return this.#tables.prefix;
  }

  /**
   * Once this store records nonces (it serves signed requests), checkpoints — copying the WAL back
   * into the database, with an fsync — move to a thread of their own, so that no request waits for
   * one. Short-lived users (the admin CLI) keep SQLite's automatic checkpoints and start no thread.
   */
  #startCheckpointer(): void {
    if (this.#checkpointer || this.#file === ':memory:') return;
    this.#checkpointer = startCheckpointer(this.#file);
    this.#checkpointer.once('error', () => {
      // The thread could not run: checkpoints go back to this connection.
      if (this.#db.open) this.#db.pragma('wal_autocheckpoint = 1000');
    });
    this.#db.pragma('wal_autocheckpoint = 0');
  }

  /** Forgets every cached row if another process has written to the database since the last look. */
  #checkDataVersion(): void {
    if (this.#versionCheckedThisTurn) return;
    this.#versionCheckedThisTurn = true;
    setImmediate(() => {
      this.#versionCheckedThisTurn = false;
    });
    const version = this.#sql.dataVersion.get();
    if (version === this.#dataVersion) return;
    this.#dataVersion = version;
    this.#rows.clear();
  }

  getConsumer(key: string) {
    this.#checkDataVersion();
    return this.#rows.consumers.get(key, this.#load.consumer);
  }

  putConsumer(c: Consumer) {
    this.#rows.consumers.forget(c.key);
    this.#sql.putConsumer.run(this.#consumerRow(c));
    return Promise.resolve();
  }

  addConsumer(c: Consumer) {
    this.#rows.consumers.forget(c.key);
    return Promise.resolve(this.#sql.addConsumer.run(this.#consumerRow(c)).changes === 1);
  }

  #consumerRow(c: Consumer) {
    return {
      key: c.key,
      secret: this.#secrets.seal(c.secret, secretContext('consumers', 'secret', c.key)),
      previous_secret: c.previousSecret
        ? this.#secrets.seal(c.previousSecret.secret, secretContext('consumers', 'previous_secret', c.key))
        : null,
      previous_secret_expires_at: c.previousSecret?.expiresAt ?? null,
      name: c.name,
      description: c.description ?? null,
      owner: c.owner,
      callback: c.callback,
      scopes: JSON.stringify(c.scopes),
      signature_methods: JSON.stringify(c.signatureMethods),
      two_legged: c.twoLegged ? 1 : 0,
      rsa_public_key: c.rsaPublicKey ?? null,
      lti: c.lti === true ? 1 : 0,
      status: c.status,
      created_at: c.createdAt,
    };
  }

  deleteConsumer(key: string) {
    this.#sql.deleteConsumer(key);
    this.#rows.consumers.forget(key);
    this.#rows.accessTokens.clear();
    return Promise.resolve();
  }

  listConsumers(owner: string) {
    return Promise.resolve((this.#sql.listConsumers.all(owner) as Row[]).map(this.#read.consumer));
  }

  getUser(name: string) {
    this.#checkDataVersion();
    return this.#rows.users.get(name, this.#load.user);
  }

  putUser(u: User) {
    this.#rows.users.forget(u.name);
    this.#sql.putUser.run(userRow(u));
    return Promise.resolve();
  }

  addUser(u: User) {
    this.#rows.users.forget(u.name);
    return Promise.resolve(this.#sql.addUser.run(userRow(u)).changes === 1);
  }

  createRequestToken(t: RequestToken) {
    this.#sql.insertRequestToken.run({
      token: t.token,
      secret: this.#secrets.seal(t.secret, secretContext('request_tokens', 'secret', t.token)),
      consumer_key: t.consumerKey,
      callback: t.callback,
      scopes: JSON.stringify(t.scopes),
      state: t.state,
      user: t.user ?? null,
      granted_scopes: t.grantedScopes === undefined ? null : JSON.stringify(t.grantedScopes),
      verifier: t.verifier ?? null,
      verifier_failures: t.verifierFailures,
      created_at: t.createdAt,
      expires_at: t.expiresAt,
    });
    return Promise.resolve();
  }

  getRequestToken(token: string) {
    const row = this.#sql.getRequestToken.get(token) as Row | undefined;
    return row && this.#read.requestToken(row);
  }

  decideRequestToken(token: string, d: Decision) {
    const result = this.#sql.decideRequestToken.run({
      token,
      state: d.state,
      user: d.user,
      granted_scopes: d.state === 'authorized' ? JSON.stringify(d.grantedScopes) : null,
      verifier: d.state === 'authorized' ? d.verifier : null,
    });
    return Promise.resolve(result.changes === 1);
  }

  redeemRequestToken(token: string, attempt: RedeemAttempt) {
    const a = attempt.accessToken;
    const secret = this.#secrets.seal(a.secret, secretContext('access_tokens', 'secret', a.token));
    return Promise.resolve(this.#sql.redeem(token, { ...attempt, accessToken: { ...a, secret } }));
  }

  getAccessToken(token: string) {
    this.#checkDataVersion();
    return this.#rows.accessTokens.get(token, this.#load.accessToken);
  }

  revokeAccessToken(token: string, at: number) {
    this.#sql.revokeAccessToken.run(at, token);
    this.#rows.accessTokens.forget(token);
    return Promise.resolve(this.#sql.getAccessToken.get(token) !== undefined);
  }

  touchAccessToken(token: string, at: number) {
    this.#sql.touchAccessToken(at, token);
    this.#rows.accessTokens.forget(token);
  }

  listAccessTokens(user: string) {
    return Promise.resolve((this.#sql.listAccessTokens.all(user) as Row[]).map(this.#read.accessToken));
  }

  importRecords(batch: ImportBatch): Promise<ImportResult> {
    const rows = {
      consumer: (c: Consumer) => this.#consumerRow(c),
      accessToken: (a: AccessToken) => ({
        token: a.token,
        secret: this.#secrets.seal(a.secret, secretContext('access_tokens', 'secret', a.token)),
        consumer_key: a.consumerKey,
        user: a.user,
        scopes: JSON.stringify(a.scopes),
        created_at: a.createdAt,
        expires_at: a.expiresAt ?? null,
        revoked_at: a.revokedAt ?? null,
        last_used_at: a.lastUsedAt ?? null,
      }),
    };
    // A throw inside the transaction rolls it back, and rejects.
    return new Promise<ImportResult>((resolve) => resolve(this.#sql.importRecords(batch, rows))).finally(() =>
      this.#rows.clear(),
    );
  }

  /**
   * Records a nonce for every process sharing the file. The nonces of one turn of the event loop are
   * written together in one transaction (a group commit), and each request is answered only after
   * its nonce is committed: busy servers pay one commit for many requests, and nothing acknowledged
   * is forgotten by a crash or a restart.
   *
   * The file holds an append-only log of nonces, and this process decides from its nonce cache.
   * The decision is made under SQLite's write lock, after reading what other processes appended
   * since this one last looked, so a nonce accepted by one process is refused by every other. The
   * first commit reads the whole log, so nonces accepted before a restart are refused after it.
   */
  recordNonce(key: string, now: number, expiresAt: number): MaybePromise<boolean> {
    // Already expired: the cache would not hold it, and its replay would pass too.
    if (expiresAt <= now || this.#nonceCache.has(key, now)) return false;
    this.#startCheckpointer();
    return new Promise<boolean>((resolve, reject) => {
      this.#pendingNonces.push({ key, now, expiresAt, resolve, reject });
      if (this.#pendingNonces.length === 1) setImmediate(() => this.#commitNonces());
    });
  }

  #commitNonces(): void {
    const batch = this.#pendingNonces;
    const now = batch[0]?.now;
    if (now === undefined) return;
    this.#pendingNonces = [];
    let recorded: boolean[];
    try {
      const logged = this.#sql.nonceTransaction(() => this.#logNonces(batch, now));
      // Committed: the batch's own entries need not be read back.
      this.#nonceLogSeen = logged.lastId;
      recorded = logged.recorded;
    } catch (error) {
      // Another process holding the database past the busy timeout: the requests get 503.
      const code = (error as { code?: unknown }).code;
      const answer =
        code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED'
          ? new StoreUnavailableError(`SQLite is busy: ${(error as Error).message}`)
          : error;
      for (const nonce of batch) nonce.reject(answer);
      return;
    }
    batch.forEach((nonce, i) => {
      if (recorded[i]) this.#nonceCache.record(nonce.key, nonce.now, nonce.expiresAt);
      nonce.resolve(recorded[i] === true);
    });
  }

  /**
   * Reads the nonce log into this process's cache now instead of at the first signed request; the
   * server does it before it listens, because a busy window's million nonces take seconds to read.
   * Returns how many unexpired nonces are held.
   */
  preloadNonces(now = Date.now()): number {
    this.#catchUpNonces(now);
    return this.#nonceCache.size;
  }

  /** Reads the log entries appended since this process last looked into the cache. */
  #catchUpNonces(now: number): void {
    for (const [id, key, expiresAt] of this.#sql.loggedNonces.iterate(this.#nonceLogSeen) as Iterable<
      [number, string, number]
    >) {
      if (expiresAt > now) this.#nonceCache.record(key, now, expiresAt);
      this.#nonceLogSeen = id;
    }
  }

  /**
   * Inside the write lock: catches up with the log, then appends the batch's new nonces and says
   * which were new, and the id of the log's last entry. The cache learns the batch's nonces only
   * once they are committed.
   */
  #logNonces(batch: readonly PendingNonce[], now: number): { recorded: boolean[]; lastId: number } {
    this.#catchUpNonces(now);
    let lastId = this.#nonceLogSeen;
    const accepted = new Set<string>();
    const recorded = batch.map(({ key, now: at, expiresAt }) => {
      if (accepted.has(key) || this.#nonceCache.has(key, at)) return false;
      accepted.add(key);
      lastId = Number(this.#sql.logNonce.run(key, expiresAt).lastInsertRowid);
      return true;
    });
    if ((this.#noncesSinceSweep += accepted.size) >= NONCE_SWEEP_EVERY) {
      this.#noncesSinceSweep = 0;
      this.#sql.sweepNonceLog.run(now);
    }
    return { recorded, lastId };
  }

  /**
   * Seals every stored secret again under the keyring's sealing key (key rotation), in one
   * transaction; the keyring's other keys may then be removed. Returns how many were sealed.
   */
  reencryptSecrets(): Promise<number> {
    if (!this.#keyring) throw new TypeError('reencryptSecrets needs a store opened with a keyring');
    const count = reencryptSecrets(this.#db, this.#tables, this.#keyring);
    this.#rows.clear();
    return Promise.resolve(count);
  }

  async close() {
    this.#commitNonces();
    if (this.#checkpointer) await stopCheckpointer(this.#checkpointer);
    // The last connection to close checkpoints the whole WAL. A database of the caller's stays open.
    if (this.#ownsDatabase) this.#db.close();
    else if (this.#checkpointer) this.#db.pragma('wal_autocheckpoint = 1000');
  }
}

/** A user as the statements that write one take it. */
function userRow(u: User) {
  return { name: u.name, status: u.status, created_at: u.createdAt };
}

/** Reads one row by key with `statement`, turned into a value by `toValue`. */
function rowLoader<V>(
  statement: Database.Statement,
  toValue: (row: Row) => V,
): (key: string) => V | undefined {
  return (key) => {
    const row = statement.get(key) as Row | undefined;
    return row && toValue(row);
  };
}
