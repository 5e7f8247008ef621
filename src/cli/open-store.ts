/** Opening the server's store from the command line: `--db FILE` (default `./data/countersign.db`). */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { SqliteStore } from '../stores/sqlite-store.js';
import { CliError } from './cli-error.js';

export const DEFAULT_DB = './data/countersign.db';

/** The parseArgs options every command that touches the store takes. */
export const STORE_OPTIONS = { db: { type: 'string' } } as const;

export function openStore(values: { db?: string | undefined }): SqliteStore {
  const file = values.db ?? DEFAULT_DB;
  try {
    mkdirSync(dirname(file), { recursive: true });
    return new SqliteStore(file);
  } catch (error) {
    throw new CliError(`cannot open the database ${file}: ${(error as Error).message}`);
  }
}
