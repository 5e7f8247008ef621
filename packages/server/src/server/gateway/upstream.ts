/**
 * The connection pool to the upstream, and one request through it, streamed back as it comes.
 *
 * undici's `dispatch`, because it hands over the status, the raw headers and each chunk of the
 * body as they arrive, with pause and resume for back-pressure, and nothing in between (no
 * Readable, no Headers object): less CPU per request than node:http's client, which the gateway's
 * target in docs/benchmarks.md needs. (undici 6: the line for Node 18 and 20 before 20.18.) An upstream
 * that cannot be reached (or answers with something that is not HTTP) gets 502, one that does not
 * answer in time 504; either answer names nothing of the upstream. A failure after the answer has
 * begun can no longer change its status, so the client's connection is cut instead: a truncated
 * body never passes for a whole one.
 */
import type { ServerResponse } from 'node:http';
import { errors as undiciErrors, Pool } from 'undici';
import type { Dispatcher } from 'undici';
import { clientHeaders } from './forward-headers.js';

/** The upstream origin's pool; `close` waits for the requests under way. */
export interface Upstream {
  /** Sends a request and streams its answer into `response`. */
  forward(request: UpstreamRequest, response: ServerResponse): void;
  close(): Promise<void>;
}

export interface UpstreamRequest {
  readonly method: string;
  /** The path and query, exactly as the client sent them. */
  readonly path: string;
  readonly headers: string[];
  readonly body?: Buffer | undefined;
  /** Hears of a failure to reach the upstream (for the log; never sent to the client). */
  readonly onError: (error: Error) => void;
}

/** What the client is told when the upstream fails it; nothing that names the upstream. */
const DOWN = 'The upstream service could not be reached.\n';
const SLOW = 'The upstream service did not answer in time.\n';

function isTimeout(error: Error): boolean {
  return (
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.ConnectTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError
  );
}

function fail(response: ServerResponse, error: Error): void {
  if (response.headersSent) {
    response.destroy(error);
    return;
  }
  const [status, text] = isTimeout(error) ? [504, SLOW] : [502, DOWN];
  response.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

/** One request's handler: the upstream's answer, written to the client as it arrives. */
function streamInto(response: ServerResponse, onError: (error: Error) => void): Dispatcher.DispatchHandlers {
  let abort: ((error?: Error) => void) | undefined;
  let resume: (() => void) | undefined;
  let finished = false;
  const onClose = () => {
    if (!finished) abort?.(new undiciErrors.RequestAbortedError('the client went away'));
  };
  response.once('close', onClose);
  return {
    onConnect(abortRequest) {
      abort = abortRequest;
    },
    onHeaders(status, raw, resumeReading, statusText) {
      // 1xx answers (100 Continue, 103 Early Hints) are the upstream's business with this hop.
      if (status < 200) return true;
      resume = resumeReading;
      response.writeHead(status, statusText, clientHeaders(raw));
      return true;
    },
    onData(chunk) {
      if (response.write(chunk)) return true;
      // The client reads more slowly than the upstream sends: undici stops reading until it drains.
      if (resume) response.once('drain', resume);
      return false;
    },
    onComplete() {
      finished = true;
      response.off('close', onClose);
      response.end();
    },
    onError(error) {
      finished = true;
      response.off('close', onClose);
      if (!(error instanceof undiciErrors.RequestAbortedError)) onError(error);
      if (!response.destroyed) fail(response, error);
    },
  };
}

/**
 * A pool to `origin` (`http://host:port`); `timeoutMs` bounds the connection, the wait for the
 * answer's headers, and every wait between two chunks of its body.
 *
 * @example
 * ```ts
 * const upstream = connectUpstream('http://127.0.0.1:8080', 30_000);
 * upstream.forward({ method: 'GET', path: '/v1/status', headers: [], onError: console.error }, res);
 * ```
 */
export function connectUpstream(origin: string, timeoutMs: number): Upstream {
  const pool = new Pool(origin, {
    connect: { timeout: timeoutMs },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  return {
    forward(request, response) {
      pool.dispatch(
        {
          method: request.method as Dispatcher.HttpMethod,
          path: request.path,
          headers: request.headers,
          body: request.body ?? null,
          // Never sent again on a new connection: a POST may not be repeated behind the client's back.
          idempotent: false,
        },
        streamInto(response, request.onError),
      );
    },
    close: () => pool.close(),
  };
}
