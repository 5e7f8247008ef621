/**
 * The connections to the upstream, and one request through them, its answer streamed back as it
 * comes.
 *
 * A client of its own, HTTP/1.1 only, one request at a time on each connection (no pipelining):
 * the request's head is written in one piece, and the answer is read by `ResponseParser`, which
 * refuses whatever it cannot frame exactly, and written to the client as it arrives, with the
 * upstream held back while the client reads slowly. undici did this before, at about 25 µs of CPU
 * a request more (docs/benchmarks.md, "Eleventh round"), more than the gateway's target allows.
 *
 * An upstream that cannot be reached, or answers with something that is not HTTP/1.1 as RFC 9112
 * frames it, gets 502; one that does not answer in time 504; either answer names nothing of the
 * upstream. A failure after the answer has begun can no longer change its status, so the client's
 * connection is cut instead: a truncated body never passes for a whole one. A request is never
 * sent twice: a connection that fails under it is a 502, even if the upstream closed it just
 * then, since a POST may not be repeated behind the client's back. Idle connections are closed
 * before the upstream would close them (its `Keep-Alive: timeout`, else 4 s).
 */
import type { ServerResponse } from 'node:http';
import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { clientHeaders } from './forward-headers.js';
import { FIELD_VALUE, TOKEN } from './http-grammar.js';
import {
  ResponseParser,
  type ResponseEvents,
  type ResponseHead,
  UpstreamProtocolError,
} from './response-parser.js';

/** The upstream origin's connections; `close` waits for the requests under way. */
export interface Upstream {
  /** Sends a request and streams its answer into `response`. */
  forward(request: UpstreamRequest, response: ServerResponse): void;
  close(): Promise<void>;
}

export interface UpstreamRequest {
  readonly method: string;
  /** The path and query, exactly as the client sent them. */
  readonly path: string;
  /** A flat `[name, value, …]` list; a `host` is added when there is none. */
  readonly headers: string[];
  readonly body?: Buffer | undefined;
  /** Hears of a failure to reach the upstream (for the log; never sent to the client). */
  readonly onError: (error: Error) => void;
}

/** What the client is told when the upstream fails it; nothing that names the upstream. */
const DOWN = 'The upstream service could not be reached.\n';
const SLOW = 'The upstream service did not answer in time.\n';

/** How long an idle connection is kept without a `Keep-Alive: timeout` (undici's default). */
const IDLE_MS = 4_000;
/** How much sooner than the upstream's own `Keep-Alive: timeout` an idle connection is closed. */
const IDLE_MARGIN_MS = 1_000;
/** The longest an advertised `Keep-Alive: timeout` keeps a connection (undici's limit). */
const IDLE_MAX_MS = 600_000;
const KEEP_ALIVE_TIMEOUT = /(?:^|,)\s*timeout\s*=\s*(\d+)/i;
/** How often idle connections past their time are closed. */
const SWEEP_MS = 1_000;
/** A request target's characters; written as Latin-1, nothing else survives unchanged. */
const TARGET = /^[\x21-\x7e\x80-\xff]+$/;
/** Methods whose request means something with a body: without one they say `Content-Length: 0`. */
const EXPECTS_BODY = new Set(['POST', 'PUT', 'PATCH']);

/** The upstream did not answer within the timeout. */
class UpstreamTimeoutError extends Error {
  override readonly name = 'UpstreamTimeoutError';
}

function fail(response: ServerResponse, error: Error): void {
  if (response.headersSent) {
    response.destroy(error);
    return;
  }
  const [status, text] = error instanceof UpstreamTimeoutError ? [504, SLOW] : [502, DOWN];
  response.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

/**
 * The request's head, or a throw when a part of it is not what HTTP allows there. The head is
 * written as Latin-1, which keeps only the low byte of each character: so only characters that
 * Latin-1 writes as themselves are let through, and a character such as U+010A cannot become a
 * line break on the wire.
 */
function requestHead(request: UpstreamRequest, host: string): string {
  if (!TOKEN.test(request.method) || !TARGET.test(request.path))
    throw new UpstreamProtocolError('a request line HTTP does not allow');
  let head = `${request.method} ${request.path} HTTP/1.1\r\n`;
  let hasHost = false;
  const { headers } = request;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i] as string;
    const value = headers[i + 1] as string;
    if (!TOKEN.test(name) || !FIELD_VALUE.test(value))
      throw new UpstreamProtocolError(
        `request header ${TOKEN.test(name) ? name : '(a bad name)'} is not one HTTP allows`,
      );
    if (!hasHost && name.length === 4 && name.toLowerCase() === 'host') hasHost = true;
    head += `${name}: ${value}\r\n`;
  }
  if (!hasHost) head += `host: ${host}\r\n`;
  if (request.body === undefined && EXPECTS_BODY.has(request.method)) head += 'content-length: 0\r\n';
  return `${head}\r\n`;
}

/** One connection to the upstream, and the exchange it carries, if any. */
class Connection {
  readonly socket: Socket;
  readonly timeoutMs: number;
  exchange: Exchange | undefined;
  /** When it became idle, and how long it may stay so. */
  idleSince = 0;
  idleMs = IDLE_MS;

  constructor(socket: Socket, pool: ConnectionPool, timeoutMs: number) {
    this.socket = socket;
    this.timeoutMs = timeoutMs;
    socket.setNoDelay(true);
    // Under a request: no answer in time. Idle: closed, as the upstream would close it.
    socket.setTimeout(timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      if (this.exchange) this.exchange.data(chunk);
      // Bytes on an idle connection were never asked for.
      else socket.destroy();
    });
    socket.on('end', () => {
      if (this.exchange) this.exchange.end();
      socket.destroy();
    });
    socket.on('timeout', () => {
      if (this.exchange) this.exchange.fail(new UpstreamTimeoutError('the upstream did not answer in time'));
      else socket.destroy();
    });
    socket.on('error', (error: Error) => this.exchange?.fail(error));
    socket.on('close', () => {
      pool.forget(this);
      this.exchange?.fail(new Error('the connection to the upstream closed'));
    });
  }
}

/** One request and its answer, on one connection. */
class Exchange implements ResponseEvents {
  readonly #connection: Connection;
  readonly #response: ServerResponse;
  readonly #pool: ConnectionPool;
  readonly #onError: (error: Error) => void;
  readonly #parser: ResponseParser;
  /** When the answer's head must have come, however slowly its bytes trickle in. */
  readonly #headDeadline: number;
  #headRead = false;
  #done = false;
  #paused = false;
  readonly #onClientClose = () => {
    // The client went away before the answer was whole: the connection is in the middle of it.
    if (!this.#done) this.#stop(undefined);
  };
  readonly #resume = () => {
    this.#paused = false;
    this.#connection.socket.setTimeout(this.#connection.timeoutMs);
    this.#connection.socket.resume();
  };

  constructor(
    pool: ConnectionPool,
    connection: Connection,
    request: UpstreamRequest,
    response: ServerResponse,
  ) {
    this.#pool = pool;
    this.#connection = connection;
    this.#response = response;
    this.#onError = request.onError;
    this.#parser = new ResponseParser(request.method === 'HEAD', this);
    this.#headDeadline = Date.now() + connection.timeoutMs;
    response.on('close', this.#onClientClose);
  }

  data(chunk: Buffer): void {
    try {
      this.#parser.push(chunk);
    } catch (error) {
      this.fail(error as Error);
      return;
    }
    if (!this.#headRead && !this.#done && Date.now() > this.#headDeadline)
      this.fail(new UpstreamTimeoutError('the upstream did not send its answer’s head in time'));
  }

  end(): void {
    try {
      this.#parser.end();
    } catch (error) {
      this.fail(error as Error);
    }
  }

  onHead(head: ResponseHead): void {
    this.#headRead = true;
    this.#response.writeHead(head.status, head.reason, clientHeaders(head.headers));
    const timeout = head.keepAlive === undefined ? undefined : KEEP_ALIVE_TIMEOUT.exec(head.keepAlive);
    if (timeout) this.#connection.idleMs = Math.min(IDLE_MAX_MS, Number(timeout[1]) * 1000 - IDLE_MARGIN_MS);
  }

  onBody(chunk: Buffer): void {
    if (this.#response.write(chunk) || this.#paused) return;
    // The client reads more slowly than the upstream sends: stop reading until it drains. The
    // upstream is not late meanwhile, so its timeout waits too.
    this.#paused = true;
    this.#connection.socket.pause();
    this.#connection.socket.setTimeout(0);
    this.#response.once('drain', this.#resume);
  }

  onComplete(reusable: boolean): void {
    this.#done = true;
    this.#response.off('close', this.#onClientClose);
    this.#response.end();
    this.#stop(reusable && this.#connection.idleMs > 0);
  }

  /** A failure of the connection or of the answer, before the answer was whole. */
  fail(error: Error): void {
    if (this.#done) return;
    this.#done = true;
    this.#response.off('close', this.#onClientClose);
    this.#onError(error);
    if (!this.#response.destroyed) fail(this.#response, error);
    this.#stop(false);
  }

  /** Ends the exchange: the connection goes back to the pool (`true`), or is closed. */
  #stop(reusable: boolean | undefined): void {
    this.#done = true;
    const connection = this.#connection;
    connection.exchange = undefined;
    // The answer may have ended while its client was pushing back: the next one is read again.
    if (this.#paused) {
      this.#response.off('drain', this.#resume);
      this.#resume();
    }
    if (reusable === true) this.#pool.release(connection);
    else connection.socket.destroy();
    this.#pool.finished();
  }
}

/**
 * The idle connections (the most recently used first out) and the count of exchanges under way.
 * A connection whose answer has just ended waits one turn of the event loop before it is taken
 * again (as undici does since GHSA-35p6-xmwp-9g52): bytes or a close the upstream sent after its
 * answer, already on their way, are read first and the connection dropped, instead of being taken
 * for the next request's answer.
 */
class ConnectionPool {
  readonly #idle: Connection[] = [];
  /** Released this turn of the event loop, idle from the next. */
  #settling: Connection[] = [];
  #settleScheduled = false;
  readonly #open: () => Socket;
  readonly #timeoutMs: number;
  readonly #host: string;
  #active = 0;
  #closed: (() => void) | undefined;
  #closing = false;
  /** Closes the connections idle past their time, once a second while there are any. */
  #sweeper: NodeJS.Timeout | undefined;

  constructor(origin: URL, timeoutMs: number) {
    const port = Number(origin.port) || (origin.protocol === 'https:' ? 443 : 80);
    const host = origin.hostname.replace(/^\[(.*)\]$/, '$1');
    this.#host = origin.host;
    this.#timeoutMs = timeoutMs;
    if (origin.protocol === 'https:') {
      // The last session the upstream gave, so that a new connection resumes it.
      let session: Buffer | undefined;
      this.#open = () => {
        const socket = connectTls({
          host,
          port,
          servername: isIP(host) ? undefined : host,
          ALPNProtocols: ['http/1.1'],
          session,
        });
        socket.on('session', (ticket: Buffer) => (session = ticket));
        return socket;
      };
    } else this.#open = () => connectTcp({ host, port });
  }

  forward(request: UpstreamRequest, response: ServerResponse): void {
    // The client went away while its request was verified or its body read.
    if (response.destroyed || response.socket?.destroyed !== false) return;
    let head: string;
    try {
      head = requestHead(request, this.#host);
    } catch (error) {
      request.onError(error as Error);
      fail(response, error as Error);
      return;
    }
    const connection = this.#take();
    const exchange = new Exchange(this, connection, request, response);
    connection.exchange = exchange;
    this.#active++;
    const { socket } = connection;
    if (request.body === undefined || request.body.length === 0) {
      socket.write(head, 'latin1');
      return;
    }
    socket.cork();
    socket.write(head, 'latin1');
    socket.write(request.body);
    socket.uncork();
  }

  /** An idle connection still inside its idle time, or a new one. */
  #take(): Connection {
    const now = Date.now();
    for (let connection = this.#idle.pop(); connection; connection = this.#idle.pop()) {
      if (now - connection.idleSince < connection.idleMs && !connection.socket.destroyed) return connection;
      connection.socket.destroy();
    }
    return new Connection(this.#open(), this, this.#timeoutMs);
  }

  release(connection: Connection): void {
    if (this.#closing) {
      connection.socket.destroy();
      return;
    }
    connection.idleSince = Date.now();
    this.#settling.push(connection);
    if (this.#settleScheduled) return;
    this.#settleScheduled = true;
    setImmediate(() => {
      this.#settleScheduled = false;
      const settled = this.#settling;
      this.#settling = [];
      for (const settledConnection of settled)
        if (!settledConnection.socket.destroyed) this.#idle.push(settledConnection);
      if (this.#idle.length > 0) this.#sweeper ??= setInterval(() => this.#sweep(), SWEEP_MS).unref();
    });
  }

  #sweep(): void {
    const now = Date.now();
    // The most recently used are last: the first still inside its time leaves the rest be.
    const expired = this.#idle.findIndex((connection) => now - connection.idleSince < connection.idleMs);
    for (const connection of this.#idle.splice(0, expired < 0 ? this.#idle.length : expired))
      connection.socket.destroy();
    if (this.#idle.length === 0) {
      clearInterval(this.#sweeper);
      this.#sweeper = undefined;
    }
  }

  forget(connection: Connection): void {
    const at = this.#idle.indexOf(connection);
    if (at >= 0) this.#idle.splice(at, 1);
  }

  finished(): void {
    this.#active--;
    if (this.#active === 0) this.#closed?.();
  }

  close(): Promise<void> {
    this.#closing = true;
    clearInterval(this.#sweeper);
    for (const connection of [...this.#idle.splice(0), ...this.#settling.splice(0)])
      connection.socket.destroy();
    if (this.#active === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#closed = resolve;
    });
  }
}

/**
 * The connections to `origin` (`http://host:port` or `https://…`); `timeoutMs` bounds the
 * connection, the wait for the answer's headers, and every wait between two chunks of its body.
 *
 * @example
 * ```ts
 * const upstream = connectUpstream('http://127.0.0.1:8080', 30_000);
 * upstream.forward({ method: 'GET', path: '/v1/status', headers: [], onError: console.error }, res);
 * ```
 */
export function connectUpstream(origin: string, timeoutMs: number): Upstream {
  const pool = new ConnectionPool(new URL(origin), timeoutMs);
  return {
    forward: (request, response) => pool.forward(request, response),
    close: () => pool.close(),
  };
}
