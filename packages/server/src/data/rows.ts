/** Rows of the server's tables as its records, for the SQLite and PostgreSQL server data. */
import type { Row } from 'countersign/store-kit';
import type { LaunchRecord, Note, ProblemEvent, Session } from './server-data.js';

/** Reads a `sessions` row (PostgreSQL gives BIGINT columns as strings). */
export function readSession(r: Row): Session {
  return {
    idHash: r.id_hash as string,
    user: r.user as string,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
  };
}

/** Reads a `notes` row. */
export function readNote(r: Row): Note {
  return {
    id: Number(r.id),
    user: r.user as string,
    text: r.text as string,
    createdAt: Number(r.created_at),
  };
}

/** Reads a `problem_events` row. */
export function readProblemEvent(r: Row): ProblemEvent {
  return {
    at: Number(r.at),
    consumerKey: r.consumer_key as string,
    endpoint: r.endpoint as string,
    problem: r.problem as string,
    advice: r.advice as string,
    baseString: r.base_string === null || r.base_string === undefined ? undefined : (r.base_string as string),
    unrecorded: Number(r.unrecorded ?? 0) > 0 ? Number(r.unrecorded) : undefined,
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
