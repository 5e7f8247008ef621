/**
 * The problem log's writer. Anyone who knows a consumer key can make refused requests, so what
 * they cost is bounded: each event is cut to the problem bounds, at most `limit` are recorded per
 * consumer per window (the rest are counted, and the console says how many), and the events of one
 * turn of the event loop are written in one transaction. Requests accepted with a consumer's
 * previous secret (a rotation's grace period) are events of their own: at most one per consumer and
 * window, since a client not yet moved to the new secret signs every request with the old one.
 */
import { cutText, PROBLEM_BOUNDS } from 'countersign';
import type { ProblemEvent, ServerData } from '../data/server-data.js';
import type { RateCounter } from './rate-counter.js';

export interface ProblemRecorderOptions {
  readonly data: Pick<ServerData, 'recordProblems'>;
  /** Counts each consumer's problems in the current window. */
  readonly counter: RateCounter;
  /** How many problems per consumer and window are recorded. */
  readonly limit: number;
  /** Hears of a failed count or write; a problem that could not be recorded is not retried. */
  readonly onError: (error: unknown) => void;
}

/** The `problem` of an event that records a request accepted with the previous secret. */
export const PREVIOUS_SECRET_EVENT = 'previous_secret';

/** A request accepted with its consumer's previous secret, as the server hears of it. */
export interface PreviousSecretUse {
  readonly at: number;
  readonly consumerKey: string;
  readonly endpoint: string;
  /** When the previous secret stops being accepted (ms). */
  readonly expiresAt: number;
}

/** A time as the console shows it: `2026-01-31 14:05 UTC`. */
export function utcMinute(at: number): string {
  return `${new Date(at).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Records problems in batches, within the rate limit. */
export class ProblemRecorder {
  readonly #options: ProblemRecorderOptions;
  #events: ProblemEvent[] = [];
  #unrecorded = new Map<string, number>();
  #written: Promise<void> | undefined;

  constructor(options: ProblemRecorderOptions) {
    this.#options = options;
  }

  /** Takes one event; resolves once the batch it joined is written (it never rejects). */
  async record(event: ProblemEvent): Promise<void> {
    let count: number;
    try {
      count = await this.#options.counter.hit(event.consumerKey);
    } catch (error) {
      this.#options.onError(error);
      return;
    }
    if (count <= this.#options.limit) this.#events.push(bounded(event));
    else this.#unrecorded.set(event.consumerKey, (this.#unrecorded.get(event.consumerKey) ?? 0) + 1);
    this.#written ??= new Promise((resolve) => setImmediate(() => resolve(this.#write())));
    return this.#written;
  }

  /**
   * Takes one use of a previous secret: recorded if it is the consumer's first in this window,
   * otherwise dropped (the event says it is recorded once a window). Never rejects.
   */
  async recordPreviousSecret(use: PreviousSecretUse): Promise<void> {
    let count: number;
    try {
      count = await this.#options.counter.hit(`${PREVIOUS_SECRET_EVENT}:${use.consumerKey}`);
    } catch (error) {
      this.#options.onError(error);
      return;
    }
    if (count > 1) return;
    this.#events.push({
      at: use.at,
      consumerKey: use.consumerKey,
      endpoint: use.endpoint,
      problem: PREVIOUS_SECRET_EVENT,
      advice:
        `Accepted, signed with the previous secret, which stops working at ${utcMinute(use.expiresAt)}. ` +
        'Move the client to the current secret. (Recorded at most once a minute.)',
    });
    this.#written ??= new Promise((resolve) => setImmediate(() => resolve(this.#write())));
    return this.#written;
  }

  async #write(): Promise<void> {
    const batch = { events: this.#events, unrecorded: this.#unrecorded };
    this.#events = [];
    this.#unrecorded = new Map();
    this.#written = undefined;
    try {
      await this.#options.data.recordProblems(batch);
    } catch (error) {
      this.#options.onError(error);
    }
  }
}

function bounded(event: ProblemEvent): ProblemEvent {
  return {
    ...event,
    advice: cutText(event.advice, PROBLEM_BOUNDS.advice),
    baseString:
      event.baseString === undefined ? undefined : cutText(event.baseString, PROBLEM_BOUNDS.baseString),
  };
}
