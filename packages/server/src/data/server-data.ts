/**
 * What the reference server keeps besides the engine's data: its accounts (the password hash of each
 * user), settings (its cookie secret), the sign-in sessions, the sample API's notes, each consumer's
 * recent problems for the developer console, and the LTI launches whose page may still send a grade.
 * In memory (`memory-data.ts`), or in tables of its own beside the store's, on the store's
 * connection (`sqlite-data.ts`, `postgres-data.ts`).
 */

/** A note of the sample API. */
export interface Note {
  readonly id: number;
  readonly user: string;
  readonly text: string;
  readonly createdAt: number;
}

/** A refused request of a known consumer, as the console lists it. */
export interface ProblemEvent {
  readonly at: number;
  readonly consumerKey: string;
  readonly endpoint: string;
  readonly problem: string;
  readonly advice: string;
  /** For `signature_invalid`: the base string the server computed (cut if long, with a marker). */
  readonly baseString?: string | undefined;
  /** How many refused requests of this consumer after this one were not recorded (over the rate limit). */
  readonly unrecorded?: number | undefined;
}

/**
 * Problems recorded together, in one transaction: the events in the order they happened, and per
 * consumer key how many more were refused without being recorded (added to that consumer's newest
 * event, this batch's or an earlier one).
 */
export interface ProblemBatch {
  readonly events: readonly ProblemEvent[];
  readonly unrecorded: ReadonlyMap<string, number>;
}

/**
 * A signed-in browser. Only the SHA-256 of the session's random id is kept, so the table's content
 * signs no one in; deleting the row ends the session on every instance at once.
 */
export interface Session {
  /** SHA-256 of the id in the cookie, hex. */
  readonly idHash: string;
  readonly user: string;
  readonly createdAt: number;
  /** When it ends (the sooner of its absolute and idle limits); moved on by `touchSession`. */
  readonly expiresAt: number;
}

/**
 * A verified LTI launch that carried an outcome service, for the grade form of its page: the form
 * sends only the launch's random id (kept here as its SHA-256, like a session's), and the grade goes
 * to the service URL and sourcedid the LMS signed, never to one the browser sends.
 */
export interface LaunchRecord {
  /** SHA-256 of the id in the grade form, hex. */
  readonly idHash: string;
  /** The LMS's consumer key, whose credentials sign the grade. */
  readonly consumerKey: string;
  readonly serviceUrl: string;
  readonly sourcedid: string;
  readonly createdAt: number;
  readonly expiresAt: number;
}

/** How many problems are kept per consumer. */
export const PROBLEMS_KEPT = 50;

export interface ServerData {
  /**
   * Gives `user` an account with `passwordHash`, only if it has none; returns whether it did.
   * Atomic: of concurrent additions for one name, exactly one gets `true`.
   */
  addAccount(user: string, passwordHash: string, at: number): Promise<boolean>;
  /** The scrypt hash of the user's password, or `undefined` for a user without an account. */
  getPasswordHash(user: string): Promise<string | undefined>;
  /** Replaces the password hash of an account. */
  setPasswordHash(user: string, passwordHash: string): Promise<void>;
  /** Stores `value` under `name` unless something is there; returns what is stored. */
  ensureSetting(name: string, value: string): Promise<string>;
  /** Stores a new session, and deletes those that had ended by its creation. */
  createSession(session: Session): Promise<void>;
  /** The session, even if it has ended (the caller compares `expiresAt` with its clock). */
  getSession(idHash: string): Promise<Session | undefined>;
  /** Moves a session's end. */
  touchSession(idHash: string, expiresAt: number): Promise<void>;
  deleteSession(idHash: string): Promise<void>;
  /** Ends every session of `user` except `keep` (an id hash); returns how many ended. */
  deleteUserSessions(user: string, keep?: string): Promise<number>;
  addNote(user: string, text: string, at: number): Promise<Note>;
  listNotes(user: string): Promise<Note[]>;
  /** Deletes a note of this user; returns whether there was one. */
  deleteNote(user: string, id: number): Promise<boolean>;
  /** Records problems in one transaction, keeping only the newest {@link PROBLEMS_KEPT} per consumer. */
  recordProblems(batch: ProblemBatch): Promise<void>;
  /** Newest first. */
  listProblems(consumerKey: string): Promise<ProblemEvent[]>;
  /** Stores a launch record, and deletes those that had ended by its creation. */
  createLaunchRecord(record: LaunchRecord): Promise<void>;
  /** The record, even if it has ended (the caller compares `expiresAt` with its clock). */
  getLaunchRecord(idHash: string): Promise<LaunchRecord | undefined>;
}
