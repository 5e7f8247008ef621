/**
 * The SQLite schema as numbered migrations: each runs once, in order, inside a transaction, and is
 * never edited after release (a change is a new migration).
 */
export const SQLITE_MIGRATIONS: readonly string[] = [
  `CREATE TABLE users (
     name TEXT PRIMARY KEY,
     status TEXT NOT NULL CHECK (status IN ('active', 'suspended')),
     password_hash TEXT,
     created_at INTEGER NOT NULL
   );
   CREATE TABLE consumers (
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
   CREATE INDEX consumers_owner ON consumers (owner);
   CREATE TABLE request_tokens (
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
   CREATE INDEX request_tokens_consumer ON request_tokens (consumer_key);
   CREATE TABLE access_tokens (
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
   CREATE INDEX access_tokens_user ON access_tokens (user);
   CREATE INDEX access_tokens_consumer ON access_tokens (consumer_key);
   CREATE TABLE nonces (
     key TEXT PRIMARY KEY,
     expires_at INTEGER NOT NULL
   ) WITHOUT ROWID;
   CREATE INDEX nonces_expiry ON nonces (expires_at);`,
  `CREATE TABLE settings (
     name TEXT PRIMARY KEY,
     value TEXT NOT NULL
   );
   CREATE TABLE notes (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     user TEXT NOT NULL,
     text TEXT NOT NULL,
     created_at INTEGER NOT NULL
   );
   CREATE INDEX notes_user ON notes (user);
   CREATE TABLE problem_events (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     consumer_key TEXT NOT NULL,
     at INTEGER NOT NULL,
     endpoint TEXT NOT NULL,
     problem TEXT NOT NULL,
     advice TEXT NOT NULL,
     base_string TEXT
   );
   CREATE INDEX problem_events_consumer ON problem_events (consumer_key, id);`,
  // Nonces become an append-only log: a unique index on random keys made every commit rewrite pages
  // all over the index, where appending touches the last page or two. Uniqueness is decided by the
  // store under the write lock (sqlite-store.ts). The nonces already held are carried over.
  `CREATE TABLE nonce_log (
     id INTEGER PRIMARY KEY,
     key TEXT NOT NULL,
     expires_at INTEGER NOT NULL
   );
   INSERT INTO nonce_log (key, expires_at) SELECT key, expires_at FROM nonces ORDER BY expires_at;
   DROP TABLE nonces;`,
  // Version 4: server-side sign-in sessions, so that signing out or changing a password ends them on
  // every instance. Only a hash of the session id is kept.
  `CREATE TABLE sessions (
     id_hash TEXT PRIMARY KEY,
     user TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL
   );
   CREATE INDEX sessions_user ON sessions (user);
   CREATE INDEX sessions_expiry ON sessions (expires_at);`,
  // Version 5: the problem log is rate-limited per consumer: how many refusals after an event went unrecorded.
  `ALTER TABLE problem_events ADD COLUMN unrecorded INTEGER NOT NULL DEFAULT 0;`,
];
