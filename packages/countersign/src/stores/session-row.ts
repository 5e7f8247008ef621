/**
 * A `sessions` row as a {@link Session}, and an `lti_launches` row as a {@link LaunchRecord}, for
 * the SQLite and PostgreSQL stores.
 */
import type { LaunchRecord, Session } from './app-data.js';
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

/** Reads an `lti_launches` row. */
export function readLaunchRecord(r: Row): LaunchRecord {
  return {
    idHash: r.id_hash as string,
    consumerKey: r.consumer_key as string,
    serviceUrl: r.service_url as string,
    sourcedid: r.sourcedid as string,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
  };
}
