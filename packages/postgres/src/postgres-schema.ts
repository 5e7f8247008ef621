/**
 * The PostgreSQL schema as numbered migrations, applied once each, in order, under an advisory lock
 * so that instances starting together do not race. Never edited after release.
 */
export const POSTGRES_MIGRATIONS: readonly string[] = [
  `CREATE TABLE users (
     name TEXT PRIMARY KEY,
     status TEXT NOT NULL CHECK (status IN ('active', 'suspended')),
     password_hash TEXT,
     created_at BIGINT NOT NULL
   );
   CREATE TABLE consumers (
     key TEXT PRIMARY KEY,
     secret TEXT NOT NULL,
     name TEXT NOT NULL,
     description TEXT,
     owner TEXT NOT NULL,
     callback TEXT NOT NULL,
     scopes TEXT[] NOT NULL,
     signature_methods TEXT[] NOT NULL,
     two_legged BOOLEAN NOT NULL,
     rsa_public_key TEXT,
     status TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'disabled')),
     created_at BIGINT NOT NULL
   );
   CREATE INDEX consumers_owner ON consumers (owner);
   CREATE TABLE request_tokens (
     token TEXT PRIMARY KEY,
     secret TEXT NOT NULL,
     consumer_key TEXT NOT NULL,
     callback TEXT NOT NULL,
     scopes TEXT[] NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('pending', 'authorized', 'denied', 'exchanged')),
     "user" TEXT,
     granted_scopes TEXT[],
     verifier TEXT,
     verifier_failures INTEGER NOT NULL DEFAULT 0,
     created_at BIGINT NOT NULL,
     expires_at BIGINT NOT NULL
   );
   CREATE INDEX request_tokens_consumer ON request_tokens (consumer_key);
   CREATE TABLE access_tokens (
     token TEXT PRIMARY KEY,
     secret TEXT NOT NULL,
     consumer_key TEXT NOT NULL,
     "user" TEXT NOT NULL,
     scopes TEXT[] NOT NULL,
     created_at BIGINT NOT NULL,
     expires_at BIGINT,
     revoked_at BIGINT,
     last_used_at BIGINT
   );
   CREATE INDEX access_tokens_user ON access_tokens ("user");
   CREATE INDEX access_tokens_consumer ON access_tokens (consumer_key);
   CREATE TABLE nonces (
     key TEXT PRIMARY KEY,
     expires_at BIGINT NOT NULL
   );
   CREATE INDEX nonces_expiry ON nonces (expires_at);
   CREATE TABLE settings (
     name TEXT PRIMARY KEY,
     value TEXT NOT NULL
   );
   CREATE TABLE notes (
     id BIGSERIAL PRIMARY KEY,
     "user" TEXT NOT NULL,
     text TEXT NOT NULL,
     created_at BIGINT NOT NULL
   );
   CREATE INDEX notes_user ON notes ("user");
   CREATE TABLE problem_events (
     id BIGSERIAL PRIMARY KEY,
     consumer_key TEXT NOT NULL,
     at BIGINT NOT NULL,
     endpoint TEXT NOT NULL,
     problem TEXT NOT NULL,
     advice TEXT NOT NULL,
     base_string TEXT
   );
   CREATE INDEX problem_events_consumer ON problem_events (consumer_key, id);`,
  // Version 2: a change counter for the rows instances cache (consumers, users, access tokens).
  // Every statement that could change what a cached row says bumps it, in the same transaction,
  // whoever runs it (a server, the admin CLI, psql); instances read it before trusting their cache.
  // Touching last_used_at does not count.
  `CREATE TABLE cache_epoch (
     one BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one),
     n BIGINT NOT NULL
   );
   INSERT INTO cache_epoch (n) VALUES (0);
   CREATE FUNCTION countersign_bump_cache_epoch() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     UPDATE cache_epoch SET n = n + 1;
     RETURN NULL;
   END $$;
   CREATE TRIGGER consumers_changed AFTER UPDATE OR DELETE ON consumers
     FOR EACH STATEMENT EXECUTE FUNCTION countersign_bump_cache_epoch();
   CREATE TRIGGER users_changed AFTER UPDATE OR DELETE ON users
     FOR EACH STATEMENT EXECUTE FUNCTION countersign_bump_cache_epoch();
   CREATE TRIGGER access_tokens_changed
     AFTER UPDATE OF token, secret, consumer_key, "user", scopes, expires_at, revoked_at OR DELETE ON access_tokens
     FOR EACH STATEMENT EXECUTE FUNCTION countersign_bump_cache_epoch();`,
  // Version 3: server-side sign-in sessions, so that signing out or changing a password ends them on
  // every instance. Only a hash of the session id is kept.
  `CREATE TABLE sessions (
     id_hash TEXT PRIMARY KEY,
     "user" TEXT NOT NULL,
     created_at BIGINT NOT NULL,
     expires_at BIGINT NOT NULL
   );
   CREATE INDEX sessions_user ON sessions ("user");
   CREATE INDEX sessions_expiry ON sessions (expires_at);`,
  // Version 4: the problem log is rate-limited per consumer: how many refusals after an event went
  // unrecorded.
  `ALTER TABLE problem_events ADD COLUMN unrecorded BIGINT NOT NULL DEFAULT 0;`,
];
