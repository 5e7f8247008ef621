/**
 * Opening the server's store from the command line: `--db FILE` (SQLite, default
 * `./data/countersign.db`) or `--database-url URL` (PostgreSQL), always with a keyring sealing its
 * secrets (`key-file.ts`: `--key-file FILE` or the environment), and for `serve`, `--redis-url URL`
 * for nonces shared by every instance. The server's own data opens on the same connection, in its
 * own tables; a SQLite file of the old unprefixed layout is moved into the new tables first.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Keyring, SecretKeyError } from 'countersign/store-kit';
import { adoptLegacySqlite } from '../data/legacy-sqlite.js';
import { PostgresServerData } from '../data/postgres-data.js';
import type { ServerData } from '../data/server-data.js';
import { SqliteServerData } from '../data/sqlite-data.js';
import { PostgresStore } from '@countersign/postgres';
import type { Redis } from 'ioredis';
import { connectRedis, RedisNonceStore } from '@countersign/redis';
import { SqliteStore } from '@countersign/sqlite';
import { type Store, withNonceStore } from 'countersign';
import { CliError } from './cli-error.js';
import { givenKeyring, HOW_TO_GIVE_A_KEY, keyFileFor, removeKeyFile } from './key-file.js';

export const DEFAULT_DB = './data/countersign.db';

/** The parseArgs options every command that touches the store takes. */
export const STORE_OPTIONS = {
  db: { type: 'string' },
  'database-url': { type: 'string' },
  'key-file': { type: 'string' },
} as const;

export interface StoreFlags {
  readonly db?: string | undefined;
  readonly 'database-url'?: string | undefined;
  readonly 'key-file'?: string | undefined;
  readonly 'redis-url'?: string | undefined;
}

/** Where the store is, for messages (never the URL, which may carry a password). */
export function describeStore(flags: StoreFlags): string {
  if (flags['database-url'] !== undefined)
    return `PostgreSQL${flags['redis-url'] ? ' with Redis nonces' : ''}`;
  return `SQLite at ${flags.db ?? DEFAULT_DB}${flags['redis-url'] ? ' with Redis nonces' : ''}`;
}

/** Refuses a connection URL of another scheme, naming the flag (never the URL: it may carry a password). */
function requireScheme(
  flag: string,
  url: string | undefined,
  schemes: readonly string[],
  example: string,
): void {
  if (url === undefined) return;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined || !schemes.includes(scheme))
    throw new CliError(
      `${flag} must be a ${schemes.map((s) => `${s}://`).join(' or ')} URL, like ${example}`,
    );
}

/** The Redis client `--redis-url` names, or `undefined` without the flag. */
export function openRedis(flags: StoreFlags): Redis | undefined {
  requireScheme('--redis-url', flags['redis-url'], ['redis', 'rediss'], 'redis://localhost:6379');
  return flags['redis-url'] === undefined ? undefined : connectRedis(flags['redis-url']);
}

/** The store and the server's data on its connection, as the flags name them. */
export interface OpenedStore {
  /** The engine's store (its nonces in Redis when the server was given one). */
  readonly store: Store;
  readonly data: ServerData;
  /** The SQL store itself, for what only it does (reading the nonce log, rotating keys). */
  readonly sql: SqlStore;
  /** Closes the store and its connection. */
  close(): Promise<void>;
}

/** The SQL store and the server data on its connection, opened with the keyring. */
export interface SqlStore {
  readonly store: SqliteStore | PostgresStore;
  readonly data: SqliteServerData | PostgresServerData;
  readonly keyring: Keyring;
}

/**
 * Opens the store the flags name. With `redis`, nonces go to it (the caller keeps and closes the
 * client, which the server shares with its rate limits).
 */
export async function openStore(flags: StoreFlags, redis?: Redis): Promise<OpenedStore> {
  const sql = await openSqlStore(flags);
  const store = redis === undefined ? sql.store : withNonceStore(sql.store, new RedisNonceStore(redis));
  return { store, data: sql.data, sql, close: () => store.close() };
}

/**
 * The SQLite or PostgreSQL store the flags name, with its keyring, and the server's data beside it.
 * Every failure, a wrong or missing key included, is a one-line `CliError`.
 */
export async function openSqlStore(
  flags: StoreFlags,
  env: NodeJS.ProcessEnv = process.env,
): Promise<SqlStore> {
  if (flags.db !== undefined && flags['database-url'] !== undefined)
    throw new CliError('give --db or --database-url, not both');
  requireScheme(
    '--database-url',
    flags['database-url'],
    ['postgres', 'postgresql'],
    'postgres://user@localhost/countersign',
  );
  const given = givenKeyring(flags['key-file'], env);
  if (flags['database-url'] !== undefined) {
    if (!given) throw new CliError(`PostgreSQL needs a secret key: ${HOW_TO_GIVE_A_KEY}`);
    let store: PostgresStore | undefined;
    try {
      store = await PostgresStore.connect(flags['database-url'], { secrets: given });
      return { store, data: await PostgresServerData.connect(store.pool, given), keyring: given };
    } catch (error) {
      await store?.close();
      throw new CliError(`cannot open the PostgreSQL database: ${(error as Error).message}`);
    }
  }
  const file = flags.db ?? DEFAULT_DB;
  try {
    // A directory of its own only its owner may enter, when this creates it.
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new CliError(`cannot open the database ${file}: ${(error as Error).message}`);
  }
  const beside = given ? undefined : keyFileFor(file);
  const keyring = (given ?? beside?.keyring) as Keyring;
  let store: SqliteStore | undefined;
  try {
    store = new SqliteStore(file, { secrets: keyring });
    const data = new SqliteServerData(store.database, keyring);
    adoptLegacySqlite(store.database, keyring);
    return { store, data, keyring };
  } catch (error) {
    await store?.close();
    // A key made just now that the database cannot use must not be left to look like its key.
    if (beside?.created && error instanceof SecretKeyError) removeKeyFile(beside.path);
    const hint = error instanceof SecretKeyError && !given ? ` (its key file: ${beside?.path ?? ''})` : '';
    throw new CliError(`cannot open the database ${file}: ${(error as Error).message}${hint}`);
  }
}
