/**
 * Log lines gathered in one turn of the event loop and written together at its end: one write for
 * every line a busy server logs in that turn, instead of one each.
 */

/** Where the lines go: `process.stderr`, whose writes to a file, a pipe or a terminal are synchronous on Linux. */
export interface LineTarget {
  write(text: string): unknown;
}

export class BatchedLines {
  readonly #target: LineTarget;
  #pending = '';

  constructor(target: LineTarget) {
    this.#target = target;
  }

  /** Takes one line (with its newline); it is written when this turn of the event loop ends. */
  write(line: string): void {
    if (this.#pending === '') setImmediate(this.flush);
    this.#pending += line;
  }

  /** Writes the lines taken so far now (at shutdown, or before the process exits). */
  readonly flush = (): void => {
    if (this.#pending === '') return;
    const text = this.#pending;
    this.#pending = '';
    this.#target.write(text);
  };
}
