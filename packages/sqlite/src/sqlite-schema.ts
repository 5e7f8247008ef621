/**
 * The SQLite store's tables, under a prefix (`countersign_` unless configured), and its schema as
 * numbered migrations recorded in a table of its own (`countersign_migrations`): each runs once, in
 * order, inside a transaction, and is never edited after release (a change is a new migration). The
 * store creates, reads and writes only these tables, so it can share a database with an
 * application's own `users` or `schema_migrations`.
 */

/** The names of the store's tables and indexes, each with the prefix. */
export interface SqliteTables {
  readonly prefix: string;
  readonly migrations: string;
  readonly users: string;
  readonly consumers: string;
  readonly requestTokens: string;
  readonly accessTokens: string;
  readonly nonceLog: string;
  /** Values the store keeps about itself: the key check of secrets at rest. */
  readonly meta: string;
  /** The physical name of a logical table (`consumers` → `countersign_consumers`). */
  readonly table: (logical: string) => string;
}

/** What a table prefix may be: letters, digits and `_`, not starting with a digit. */
const PREFIX = /^[A-Za-z_][A-Za-z0-9_]{0,39}$/;

/** The default prefix of every table and index the store makes. */
export const DEFAULT_TABLE_PREFIX = 'countersign_';

/**
 * The table names for `prefix`; throws `TypeError` on a prefix that is not a plain SQL name (it is
 * put into statements as it is).
 */
export function sqliteTables(prefix = DEFAULT_TABLE_PREFIX): SqliteTables {
  if (!PREFIX.test(prefix))
    throw new TypeError(
      `tablePrefix must be letters, digits and _ (not starting with a digit), not ${prefix}`,
    );
  const table = (logical: string) => `${prefix}${logical}`;
  return {
    prefix,
    migrations: table('migrations'),
    users: table('users'),
    consumers: table('consumers'),
    requestTokens: table('request_tokens'),
    accessTokens: table('access_tokens'),
    nonceLog: table('nonce_log'),
    meta: table('meta'),
    table,
  };
}

/**
 * The migrations, in order. Nonces are an append-only log: a unique index on random keys made every
 * commit rewrite pages all over the index, where appending touches the last page or two; uniqueness
 * is decided by the store under the write lock (sqlite-store.ts).
 */
export const SQLITE_MIGRATIONS: readonly ((t: SqliteTables) => string)[] = [
  (t) => `CREATE TABLE ${t.users} (
     name TEXT PRIMARY KEY,
     status TEXT NOT NULL CHECK (status IN ('active', 'suspended')),
     created_at INTEGER NOT NULL
   );
   CREATE TABLE ${t.consumers} (
     key TEXT PRIMARY KEY,
     secret TEXT NOT NULL,
     name TEXT NOT NULL,
     description TEXT,
     owner TEXT NOT NULL,
     callback TEXT NOT NULL,
     scopes TEXT NOT NULL,
     signature_methods TEXT NOT NULL,
     two_legged INTEGER NOT NULL,
     rsa_public_key TEXT,
     status TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'disabled')),
     created_at INTEGER NOT NULL
   );
   CREATE INDEX ${t.prefix}consumers_owner ON ${t.consumers} (owner);
   CREATE TABLE ${t.requestTokens} (
     token TEXT PRIMARY KEY,
     secret TEXT NOT NULL,
     consumer_key TEXT NOT NULL,
     callback TEXT NOT NULL,
     scopes TEXT NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('pending', 'authorized', 'denied', 'exchanged')),
     user TEXT,
     granted_scopes TEXT,
     verifier TEXT,
     verifier_failures INTEGER NOT NULL DEFAULT 0,
     created_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL
   );
   CREATE INDEX ${t.prefix}request_tokens_consumer ON ${t.requestTokens} (consumer_key);
   CREATE TABLE ${t.accessTokens} (
     token TEXT PRIMARY KEY,
     secret TEXT NOT NULL,
     consumer_key TEXT NOT NULL,
     user TEXT NOT NULL,
     scopes TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     expires_at INTEGER,
     revoked_at INTEGER,
     last_used_at INTEGER
   );
   CREATE INDEX ${t.prefix}access_tokens_user ON ${t.accessTokens} (user);
   CREATE INDEX ${t.prefix}access_tokens_consumer ON ${t.accessTokens} (consumer_key);
   CREATE TABLE ${t.nonceLog} (
     id INTEGER PRIMARY KEY,
     key TEXT NOT NULL,
     expires_at INTEGER NOT NULL
   );
   CREATE TABLE ${t.meta} (
     name TEXT PRIMARY KEY,
     value TEXT NOT NULL
   );`,
  // Version 2: a rotated secret's grace period: the previous secret (sealed like the current one)
  // and when it stops being accepted.
  (t) => `ALTER TABLE ${t.consumers} ADD COLUMN previous_secret TEXT;
   ALTER TABLE ${t.consumers} ADD COLUMN previous_secret_expires_at INTEGER;`,
  // Version 3: LTI 1.1 tool consumers (LMSs), which send launches and nothing else.
  (t) => `ALTER TABLE ${t.consumers} ADD COLUMN lti INTEGER NOT NULL DEFAULT 0;`,
];
