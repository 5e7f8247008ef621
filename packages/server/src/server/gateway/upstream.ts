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
import {
  ResponseParser,
  UpstreamProtocolError,
  type ResponseEvents,
  type ResponseHead,
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
const SWEEP_MS = 1_000;
const KEEP_ALIVE_TIMEOUT = /(?:^|,)\s*timeout\s*=\s*(\d+)/i;
/** What may not be in a request head's parts: a line break would start another header. */
const LINE_BREAK = /[\r\n\0]/;

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

/** The request's head, or a throw when a part of it would break the message's lines. */
function requestHead(request: UpstreamRequest, host: string): string {
  if (LINE_BREAK.test(request.method) || LINE_BREAK.test(request.path))
    throw new UpstreamProtocolError('a line break in the request line');
  let head = `${request.method} ${request.path} HTTP/1.1\r\n`;
  let hasHost = false;
  const { headers } = request;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i] as string;
    const value = headers[i + 1] as string;
    if (LINE_BREAK.test(name) || LINE_BREAK.test(value))
      throw new UpstreamProtocolError(`a line break in request header ${name}`);
    if (!hasHost && name.length === 4 && name.toLowerCase() === 'host') hasHost = true;
    head += `${name}: ${value}\r\n`;
  }
  return hasHost ? `${head}\r\n` : `${head}host: ${host}\r\n\r\n`;
}

/** One connection to the upstream, and the exchange it carries, if any. */
class Connection {
  readonly socket: Socket;
  exchange: Exchange | undefined;
  /** When it became idle, and how long it may stay so. */
  idleSince = 0;
  idleMs = IDLE_MS;

  constructor(socket: Socket, pool: ConnectionPool, timeoutMs: number) {
    this.socket = socket;
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
  #done = false;
  readonly #onClientClose = () => {
    // The client went away before the answer was whole: the connection is in the middle of it.
    if (!this.#done) this.#stop(undefined);
  };
  readonly #resume = () => this.#connection.socket.resume();

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
    response.on('close', this.#onClientClose);
  }

  data(chunk: Buffer): void {
    try {
      this.#parser.push(chunk);
    } catch (error) {
      this.fail(error as Error);
    }
  }

  end(): void {
    try {
      this.#parser.end();
    } catch (error) {
      this.fail(error as Error);
    }
  }

  onHead(head: ResponseHead): void {
    this.#response.writeHead(head.status, head.reason, clientHeaders(head.headers));
    const keepAlive = head.headers.findIndex((name, i) => i % 2 === 0 && name.toLowerCase() === 'keep-alive');
    const timeout =
      keepAlive < 0 ? undefined : KEEP_ALIVE_TIMEOUT.exec(head.headers[keepAlive + 1] as string);
    if (timeout) this.#connection.idleMs = Math.min(IDLE_MS, Number(timeout[1]) * 1000 - IDLE_MARGIN_MS);
  }

  onBody(chunk: Buffer): void {
    if (this.#response.write(chunk)) return;
    // The client reads more slowly than the upstream sends: stop reading until it drains.
    this.#connection.socket.pause();
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
    this.#response.off('drain', this.#resume);
    if (connection.socket.isPaused()) connection.socket.resume();
    if (reusable === true) this.#pool.release(connection);
    else connection.socket.destroy();
    this.#pool.finished();
  }
}

/** The idle connections (the most recently used first out) and the count of exchanges under way. */
class ConnectionPool {
  readonly #idle: Connection[] = [];
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
    this.#open =
      origin.protocol === 'https:'
        ? () =>
            connectTls({ host, port, servername: isIP(host) ? undefined : host, ALPNProtocols: ['http/1.1'] })
        : () => connectTcp({ host, port });
  }

  forward(request: UpstreamRequest, response: ServerResponse): void {
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
    this.#idle.push(connection);
    this.#sweeper ??= setInterval(() => this.#sweep(), SWEEP_MS).unref();
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
    for (const connection of this.#idle.splice(0)) connection.socket.destroy();
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
