/**
 * The PostgreSQL store's tables, under a prefix (`countersign_` unless configured) and optionally in
 * a schema of their own, and its schema as numbered migrations recorded in its own table
 * (`countersign_migrations`), applied once each, in order, under an advisory lock so that instances
 * starting together do not race. Never edited after release. The store creates, reads and writes
 * only these tables, so it can share a database with an application's own `users` or
 * `schema_migrations`.
 */

/** The qualified names of the store's tables, each with the prefix (and the schema, if any). */
export interface PostgresTables {
  readonly prefix: string;
  /** The schema the tables are in, or `undefined` for the connection's search path. */
  readonly schema: string | undefined;
  readonly migrations: string;
  readonly users: string;
  readonly consumers: string;
  readonly requestTokens: string;
  readonly accessTokens: string;
  readonly nonces: string;
  /** Values the store keeps about itself: the key check of secrets at rest. */
  readonly meta: string;
  /** The change counter of the rows instances cache. */
  readonly cacheEpoch: string;
  /** The trigger function that bumps it. */
  readonly bumpCacheEpoch: string;
  /** The qualified name of a logical table (`consumers` → `countersign_consumers`). */
  readonly table: (logical: string) => string;
  /** An index or trigger name: prefixed, unqualified (an index lives in its table's schema). */
  readonly local: (name: string) => string;
}

/** What a prefix or a schema name may be: letters, digits and `_`, not starting with a digit. */
const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,39}$/;

/** The default prefix of every table, index and function the store makes. */
export const DEFAULT_TABLE_PREFIX = 'countersign_';

/**
 * The names for `prefix` in `schema`; throws `TypeError` on a prefix or schema that is not a plain
 * SQL name (they are put into statements as they are, quoted).
 */
export function postgresTables(prefix = DEFAULT_TABLE_PREFIX, schema?: string): PostgresTables {
  if (!NAME.test(prefix))
    throw new TypeError(
      `tablePrefix must be letters, digits and _ (not starting with a digit), not ${prefix}`,
    );
  if (schema !== undefined && !NAME.test(schema))
    throw new TypeError(`schema must be letters, digits and _ (not starting with a digit), not ${schema}`);
  const qualify = (name: string) => (schema === undefined ? `"${name}"` : `"${schema}"."${name}"`);
  const table = (logical: string) => qualify(`${prefix}${logical}`);
  return {
    prefix,
    schema,
    migrations: table('migrations'),
    users: table('users'),
    consumers: table('consumers'),
    requestTokens: table('request_tokens'),
    accessTokens: table('access_tokens'),
    nonces: table('nonces'),
    meta: table('meta'),
    cacheEpoch: table('cache_epoch'),
    bumpCacheEpoch: table('bump_cache_epoch'),
    table,
    local: (name) => `"${prefix}${name}"`,
  };
}

export const POSTGRES_MIGRATIONS: readonly ((t: PostgresTables) => string)[] = [
  (t) => `CREATE TABLE ${t.users} (
     name TEXT PRIMARY KEY,
     status TEXT NOT NULL CHECK (status IN ('active', 'suspended')),
     created_at BIGINT NOT NULL
   );
   CREATE TABLE ${t.consumers} (
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
   CREATE INDEX ${t.local('consumers_owner')} ON ${t.consumers} (owner);
   CREATE TABLE ${t.requestTokens} (
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
   CREATE INDEX ${t.local('request_tokens_consumer')} ON ${t.requestTokens} (consumer_key);
   CREATE TABLE ${t.accessTokens} (
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
   CREATE INDEX ${t.local('access_tokens_user')} ON ${t.accessTokens} ("user");
   CREATE INDEX ${t.local('access_tokens_consumer')} ON ${t.accessTokens} (consumer_key);
   CREATE TABLE ${t.nonces} (
     key TEXT PRIMARY KEY,
     expires_at BIGINT NOT NULL
   );
   CREATE INDEX ${t.local('nonces_expiry')} ON ${t.nonces} (expires_at);
   CREATE TABLE ${t.meta} (
     name TEXT PRIMARY KEY,
     value TEXT NOT NULL
   );
   -- A change counter for the rows instances cache (consumers, users, access tokens). Every
   -- statement that could change what a cached row says bumps it, in the same transaction, whoever
   -- runs it (a server, the admin CLI, psql); instances read it before trusting their cache.
   -- Touching last_used_at does not count.
   CREATE TABLE ${t.cacheEpoch} (
     one BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one),
     n BIGINT NOT NULL
   );
   INSERT INTO ${t.cacheEpoch} (n) VALUES (0);
   CREATE FUNCTION ${t.bumpCacheEpoch}() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     UPDATE ${t.cacheEpoch} SET n = n + 1;
     RETURN NULL;
   END $$;
   CREATE TRIGGER ${t.local('consumers_changed')} AFTER UPDATE OR DELETE ON ${t.consumers}
     FOR EACH STATEMENT EXECUTE FUNCTION ${t.bumpCacheEpoch}();
   CREATE TRIGGER ${t.local('users_changed')} AFTER UPDATE OR DELETE ON ${t.users}
     FOR EACH STATEMENT EXECUTE FUNCTION ${t.bumpCacheEpoch}();
   CREATE TRIGGER ${t.local('access_tokens_changed')}
     AFTER UPDATE OF token, secret, consumer_key, "user", scopes, expires_at, revoked_at OR DELETE ON ${t.accessTokens}
     FOR EACH STATEMENT EXECUTE FUNCTION ${t.bumpCacheEpoch}();`,
  // Version 2: a rotated secret's grace period: the previous secret (sealed like the current one)
  // and when it stops being accepted.
  (t) =>
    `ALTER TABLE ${t.consumers} ADD COLUMN previous_secret TEXT, ADD COLUMN previous_secret_expires_at BIGINT;`,
  // Version 3: LTI 1.1 tool consumers (LMSs), which send launches and nothing else.
  (t) => `ALTER TABLE ${t.consumers} ADD COLUMN lti BOOLEAN NOT NULL DEFAULT FALSE;`,
];
