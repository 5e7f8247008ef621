/**
 * The problem log's writer. Anyone who knows a consumer key can make refused requests, so what
 * they cost is bounded: each event is cut to the problem bounds, at most `limit` are recorded per
 * consumer per window (the rest are counted, and the console says how many), and the events of one
 * turn of the event loop are written in one transaction.
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
