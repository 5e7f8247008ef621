/**
 * What the reference server keeps besides the OAuth data: settings (its cookie secret), the sample
 * API's notes, and each consumer's recent problems for the developer console.
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
  /** For `signature_invalid`: the base string the server computed. */
  readonly baseString?: string | undefined;
}

/** How many problems are kept per consumer. */
export const PROBLEMS_KEPT = 50;

export interface AppData {
  /** Stores `value` under `name` unless something is there; returns what is stored. */
  ensureSetting(name: string, value: string): Promise<string>;
  addNote(user: string, text: string, at: number): Promise<Note>;
  listNotes(user: string): Promise<Note[]>;
  /** Deletes a note of this user; returns whether there was one. */
  deleteNote(user: string, id: number): Promise<boolean>;
  /** Records a problem, keeping only the newest {@link PROBLEMS_KEPT} per consumer. */
  recordProblem(event: ProblemEvent): Promise<void>;
  /** Newest first. */
  listProblems(consumerKey: string): Promise<ProblemEvent[]>;
}
