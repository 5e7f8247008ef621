/** A `sessions` row as a {@link Session}, for the SQLite and PostgreSQL stores. */
import type { Session } from './app-data.js';
import type { Row } from './rows.js';

/** Reads a `sessions` row (PostgreSQL gives BIGINT columns as strings). */
export function readSession(r: Row): Session {
  return {
    idHash: r.id_hash as string,
    user: r.user as string,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
  };
}
