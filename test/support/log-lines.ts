/**
 * The server's log lines as a test collects them: a stream for `buildServer({ log })`, and the
 * line of a request once it is written (lines are written when the answer is sent).
 */

/** Collected log lines, and the stream that collects them. */
export interface CollectedLog {
  readonly lines: string[];
  readonly stream: { write(line: string): void };
  /** The line of the last request whose URL begins with `url`; waits up to 2 s for it. */
  readonly lineFor: (url: string) => Promise<Record<string, unknown>>;
}

export function collectLog(): CollectedLog {
  const lines: string[] = [];
  return {
    lines,
    stream: { write: (line) => void lines.push(line) },
    lineFor: async (url) => {
      for (let waited = 0; waited < 2000; waited += 20) {
        const found = lines
          .map((line) => JSON.parse(line) as Record<string, unknown>)
          .filter((line) => line.msg === 'request' && String(line.url).startsWith(url))
          .at(-1);
        if (found) return found;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error(`no line for ${url}`);
    },
  };
}
