/**
 * The SQLite store's schema migrations and prepared statements. The atomic operations are single
 * conditional statements or immediate transactions, so they hold across processes sharing the file.
 */
import type Database from 'better-sqlite3';
import type { ImportBatch, ImportResult, RedeemAttempt, Redemption, RequestToken } from 'countersign';
import { redemptionOf } from 'countersign/store-kit';
import { SQLITE_MIGRATIONS, type SqliteTables } from './sqlite-schema.js';

/** A nonce waiting for the next group commit, and the request waiting for its answer. */
export interface PendingNonce {
  readonly key: string;
  readonly now: number;
  readonly expiresAt: number;
  readonly resolve: (recorded: boolean) => void;
  readonly reject: (error: unknown) => void;
}

/** How the store turns imported records into rows (sealing their secrets). */
export interface ImportRows {
  readonly consumer: (consumer: ImportBatch['consumers'][number]) => Record<string, unknown>;
  readonly accessToken: (token: ImportBatch['accessTokens'][number]) => Record<string, unknown>;
}

/**
 * Applies the migrations not yet applied, each in an immediate transaction that first checks again
 * that it is still needed: several processes may open a new or older file at the same moment.
 */
export function migrate(db: Database.Database, t: SqliteTables): void {
  db.exec(`CREATE TABLE IF NOT EXISTS ${t.migrations} (version INTEGER PRIMARY KEY)`);
  const isApplied = db.prepare(`SELECT 1 FROM ${t.migrations} WHERE version = ?`).pluck();
  const markApplied = db.prepare(`INSERT INTO ${t.migrations} (version) VALUES (?)`);
  SQLITE_MIGRATIONS.forEach((migration, index) => {
    const version = index + 1;
    if (isApplied.get(version)) return;
    db.transaction(() => {
      if (isApplied.get(version)) return;
      db.exec(migration(t));
      markApplied.run(version);
    }).immediate();
  });
}

/** What the store runs: prepared statements, and the transactions made of them. */
export interface SqliteStatements {
  readonly dataVersion: Database.Statement;
  /** Runs `work` in an immediate transaction, committed without an fsync (see below). */
  readonly nonceTransaction: <T>(work: () => T) => T;
  /** The nonce log after an id: rows of [id, key, expires_at]. */
  readonly loggedNonces: Database.Statement;
  readonly logNonce: Database.Statement;
  readonly sweepNonceLog: Database.Statement;
  readonly getConsumer: Database.Statement;
  readonly putConsumer: Database.Statement;
  readonly addConsumer: Database.Statement;
  readonly deleteConsumer: (key: string) => void;
  readonly listConsumers: Database.Statement;
  readonly getUser: Database.Statement;
  readonly putUser: Database.Statement;
  readonly addUser: Database.Statement;
  readonly insertRequestToken: Database.Statement;
  readonly getRequestToken: Database.Statement;
  readonly decideRequestToken: Database.Statement;
  /** `Store.redeemRequestToken`, in one immediate transaction. */
  readonly redeem: (requestToken: string, attempt: RedeemAttempt) => Redemption;
  readonly getAccessToken: Database.Statement;
  readonly revokeAccessToken: Database.Statement;
  readonly touchAccessToken: (at: number, token: string) => void;
  readonly listAccessTokens: Database.Statement;
  /** `Store.importRecords`, in one immediate transaction; the rows are made inside it. */
  readonly importRecords: (batch: ImportBatch, rows: ImportRows) => ImportResult;
}

/** Every statement the store runs, prepared once. */
export function prepare(db: Database.Database, t: SqliteTables): SqliteStatements {
  const insertAccessToken = db.prepare(
    `INSERT INTO ${t.accessTokens} (token, secret, consumer_key, user, scopes, created_at, expires_at)
     VALUES (@token, @secret, @consumer_key, @user, @scopes, @created_at, @expires_at)`,
  );
  const redeemable = db.prepare(
    `SELECT state, verifier, verifier_failures FROM ${t.requestTokens} WHERE token = ?`,
  );
  const markExchanged = db.prepare(
    `UPDATE ${t.requestTokens} SET state = 'exchanged' WHERE token = ? AND state = 'authorized'`,
  );
  const setVerifierFailures = db.prepare(
    `UPDATE ${t.requestTokens} SET verifier_failures = ? WHERE token = ?`,
  );
  const deleteConsumer = db.transaction((key: string) => {
    db.prepare(`DELETE FROM ${t.accessTokens} WHERE consumer_key = ?`).run(key);
    db.prepare(`DELETE FROM ${t.requestTokens} WHERE consumer_key = ?`).run(key);
    db.prepare(`DELETE FROM ${t.consumers} WHERE key = ?`).run(key);
  });
  // Immediate: the write lock is taken before the read, so redemptions in every process sharing the
  // file run one after another, each reading what the one before it wrote.
  const redeem = db.transaction((requestToken: string, attempt: RedeemAttempt): Redemption => {
    const row = redeemable.get(requestToken) as Record<string, unknown> | undefined;
    const redemption = redemptionOf(
      row && {
        state: row.state as RequestToken['state'],
        verifier: (row.verifier ?? undefined) as string | undefined,
        verifierFailures: Number(row.verifier_failures),
      },
      attempt,
    );
    if (redemption.outcome === 'wrong') setVerifierFailures.run(redemption.failures, requestToken);
    if (redemption.outcome !== 'exchanged') return redemption;
    markExchanged.run(requestToken);
    const a = attempt.accessToken;
    insertAccessToken.run({
      token: a.token,
      secret: a.secret,
      consumer_key: a.consumerKey,
      user: a.user,
      scopes: JSON.stringify(a.scopes),
      created_at: a.createdAt,
      expires_at: a.expiresAt ?? null,
    });
    return redemption;
  });
  // Nonces and last-used times are written on every verified request. In WAL mode, synchronous =
  // NORMAL still survives a crash of the process (the commit is in the OS before any request is
  // answered); only a power loss could forget the last of them, and it would also end every
  // client's window. Everything else keeps synchronous = FULL (an fsync per commit).
  const normalSync = db.prepare('PRAGMA synchronous = NORMAL');
  const fullSync = db.prepare('PRAGMA synchronous = FULL');
  const withoutFsync = <T>(write: () => T): T => {
    normalSync.run();
    try {
      return write();
    } finally {
      fullSync.run();
    }
  };
  const importRecords = importTransaction(db, t);
  const touch = db.prepare(`UPDATE ${t.accessTokens} SET last_used_at = ? WHERE token = ?`);
  const runImmediately = db.transaction((work: () => unknown) => work());
  return {
    dataVersion: db.prepare('PRAGMA data_version').pluck(),
    nonceTransaction: <T>(work: () => T) => withoutFsync(() => runImmediately.immediate(work) as T),
    loggedNonces: db.prepare(`SELECT id, key, expires_at FROM ${t.nonceLog} WHERE id > ? ORDER BY id`).raw(),
    logNonce: db.prepare(`INSERT INTO ${t.nonceLog} (key, expires_at) VALUES (?, ?)`),
    // Deletes the expired entries at the front of the log. Expiries follow the order of the log
    // closely (timestamp + window), so an entry that expires later than those after it only holds
    // them back until it expires. The last entry is always kept, so ids keep growing and every
    // process reading the log from the last id it saw misses nothing.
    sweepNonceLog: db.prepare(
      `DELETE FROM ${t.nonceLog} WHERE id < coalesce(
         (SELECT id FROM ${t.nonceLog} WHERE expires_at > ? ORDER BY id LIMIT 1),
         (SELECT max(id) FROM ${t.nonceLog}))`,
    ),
    getConsumer: db.prepare(`SELECT * FROM ${t.consumers} WHERE key = ?`),
    putConsumer: db.prepare(
      `INSERT OR REPLACE INTO ${t.consumers} (key, secret, previous_secret, previous_secret_expires_at, name,
         description, owner, callback, scopes, signature_methods, two_legged, rsa_public_key, lti, status, created_at)
       VALUES (@key, @secret, @previous_secret, @previous_secret_expires_at, @name, @description, @owner, @callback,
         @scopes, @signature_methods, @two_legged, @rsa_public_key, @lti, @status, @created_at)`,
    ),
    addConsumer: db.prepare(
      `INSERT INTO ${t.consumers} (key, secret, previous_secret, previous_secret_expires_at, name,
         description, owner, callback, scopes, signature_methods, two_legged, rsa_public_key, lti, status, created_at)
       VALUES (@key, @secret, @previous_secret, @previous_secret_expires_at, @name, @description, @owner, @callback,
         @scopes, @signature_methods, @two_legged, @rsa_public_key, @lti, @status, @created_at)
       ON CONFLICT (key) DO NOTHING`,
    ),
    deleteConsumer: (key: string) => deleteConsumer.immediate(key),
    listConsumers: db.prepare(`SELECT * FROM ${t.consumers} WHERE owner = ? ORDER BY created_at DESC, key`),
    getUser: db.prepare(`SELECT * FROM ${t.users} WHERE name = ?`),
    putUser: db.prepare(
      `INSERT INTO ${t.users} (name, status, created_at) VALUES (@name, @status, @created_at)
       ON CONFLICT (name) DO UPDATE SET status = excluded.status`,
    ),
    addUser: db.prepare(
      `INSERT INTO ${t.users} (name, status, created_at) VALUES (@name, @status, @created_at)
       ON CONFLICT (name) DO NOTHING`,
    ),
    insertRequestToken: db.prepare(
      `INSERT INTO ${t.requestTokens} (token, secret, consumer_key, callback, scopes, state, user, granted_scopes,
         verifier, verifier_failures, created_at, expires_at)
       VALUES (@token, @secret, @consumer_key, @callback, @scopes, @state, @user, @granted_scopes,
         @verifier, @verifier_failures, @created_at, @expires_at)`,
    ),
    getRequestToken: db.prepare(`SELECT * FROM ${t.requestTokens} WHERE token = ?`),
    decideRequestToken: db.prepare(
      `UPDATE ${t.requestTokens} SET state = @state, user = @user, granted_scopes = @granted_scopes, verifier = @verifier
       WHERE token = @token AND state = 'pending'`,
    ),
    redeem: (requestToken: string, attempt: RedeemAttempt) => redeem.immediate(requestToken, attempt),
    getAccessToken: db.prepare(`SELECT * FROM ${t.accessTokens} WHERE token = ?`),
    revokeAccessToken: db.prepare(
      `UPDATE ${t.accessTokens} SET revoked_at = ? WHERE token = ? AND revoked_at IS NULL`,
    ),
    touchAccessToken: (at: number, token: string): void => {
      withoutFsync(() => touch.run(at, token));
    },
    listAccessTokens: db.prepare(
      `SELECT * FROM ${t.accessTokens} WHERE user = ? ORDER BY created_at DESC, token`,
    ),
    importRecords: (batch, rows) => importRecords.immediate(batch, rows),
  };
}

/** Imported records, all or nothing: a key already stored (without `replace`) or a throw writes none. */
function importTransaction(db: Database.Database, t: SqliteTables) {
  const consumerExists = db.prepare(`SELECT 1 FROM ${t.consumers} WHERE key = ?`).pluck();
  const tokenExists = db.prepare(`SELECT 1 FROM ${t.accessTokens} WHERE token = ?`).pluck();
  const addUser = db.prepare(
    `INSERT INTO ${t.users} (name, status, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING`,
  );
  // A replaced consumer that is not active keeps its status; a replaced revoked token stays revoked,
  // from the earlier time (min() of SQLite is NULL if either is, hence the coalesce on both sides).
  const putConsumer = db.prepare(
    `INSERT INTO ${t.consumers} (key, secret, previous_secret, previous_secret_expires_at, name,
       description, owner, callback, scopes, signature_methods, two_legged, rsa_public_key, lti, status, created_at)
     VALUES (@key, @secret, @previous_secret, @previous_secret_expires_at, @name, @description, @owner, @callback,
       @scopes, @signature_methods, @two_legged, @rsa_public_key, @lti, @status, @created_at)
     ON CONFLICT (key) DO UPDATE SET secret = excluded.secret, previous_secret = excluded.previous_secret,
       previous_secret_expires_at = excluded.previous_secret_expires_at, name = excluded.name,
       description = excluded.description, owner = excluded.owner, callback = excluded.callback,
       scopes = excluded.scopes, signature_methods = excluded.signature_methods, two_legged = excluded.two_legged,
       rsa_public_key = excluded.rsa_public_key, lti = excluded.lti,
       status = CASE WHEN status = 'active' THEN excluded.status ELSE status END, created_at = excluded.created_at`,
  );
  const putAccessToken = db.prepare(
    `INSERT INTO ${t.accessTokens} (token, secret, consumer_key, user, scopes, created_at, expires_at,
       revoked_at, last_used_at)
     VALUES (@token, @secret, @consumer_key, @user, @scopes, @created_at, @expires_at, @revoked_at, @last_used_at)
     ON CONFLICT (token) DO UPDATE SET secret = excluded.secret, consumer_key = excluded.consumer_key,
       user = excluded.user, scopes = excluded.scopes, created_at = excluded.created_at,
       expires_at = excluded.expires_at, last_used_at = excluded.last_used_at,
       revoked_at = min(coalesce(revoked_at, excluded.revoked_at), coalesce(excluded.revoked_at, revoked_at))`,
  );
  return db.transaction((batch: ImportBatch, rows: ImportRows): ImportResult => {
    if (!batch.replace) {
      const existingConsumers = batch.consumers.map((c) => c.key).filter((k) => consumerExists.get(k));
      const existingAccessTokens = batch.accessTokens.map((a) => a.token).filter((a) => tokenExists.get(a));
      if (existingConsumers.length + existingAccessTokens.length > 0)
        return { imported: false, existingConsumers, existingAccessTokens };
    }
    for (const u of batch.users) addUser.run(u.name, u.status, u.createdAt);
    for (const c of batch.consumers) putConsumer.run(rows.consumer(c));
    for (const a of batch.accessTokens) putAccessToken.run(rows.accessToken(a));
    return { imported: true };
  });
}
