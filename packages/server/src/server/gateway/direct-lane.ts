/**
 * The gateway's direct lane: the requests the gateway serves in the common case (one its routes
 * match, without a body; forward-auth asked with a plain `GET`) are answered from node:http's
 * request event, before Fastify builds its request and reply, runs its hooks and routes them.
 * That per-request work is a large part of what a proxied request costs beyond its verification,
 * and none of it changes the answer here: the gateway's scope has no parser, page or helmet of its
 * own to run, and forwarding hijacks the reply anyway. A request the lane does not take (a body,
 * a path it refuses or no route matches, a server closing) goes on to Fastify, whose routes
 * answer it as they always did; `app.inject()` never reaches the lane.
 *
 * What Fastify did for every request the lane still does: an id from the counter Fastify's take theirs from, the
 * client address as Fastify reads it (believing the same proxies), the metrics, and the log line.
 */
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';
import type { FastifyBaseLogger } from 'fastify';
import type { ProxyTrust } from 'countersign';
import type { Metrics } from '../metrics.js';
import type { RequestLog } from '../request-log.js';

/** Answers a request and returns true, or returns false to leave it to Fastify. */
export type Lane = (request: IncomingMessage, response: ServerResponse) => boolean;

/** Puts `lane` before the server's own request handlers (Fastify's). */
export function answerFirst(server: Server, lane: Lane): void {
  const handlers = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (lane(request, response)) return;
    for (const handler of handlers) handler.call(server, request, response);
  });
}

/** Whether a request has a body to read (one the lane leaves to Fastify's parsers and limits). */
export function hasBody(request: IncomingMessage): boolean {
  const { headers } = request;
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** What the lane learns of a request while answering it, for its log line. */
export interface Exchange {
  readonly id: string;
  /** The verified consumer's key. */
  consumer?: string | undefined;
  /** The answer's `WWW-Authenticate` header (a refused request's problem). */
  wwwAuthenticate?: string | undefined;
}

/** What the lane records requests with: the server's metrics, log and request ids. */
export interface LaneRecords {
  readonly metrics: Metrics;
  readonly requestLog: RequestLog;
  readonly logger: FastifyBaseLogger;
  readonly requestId: () => string;
  /** The proxies Fastify believes for the client address (none: the peer's). */
  readonly trust: ProxyTrust | undefined;
}

/**
 * Starts recording a request the lane takes: once its answer is sent (as Fastify's `onResponse`),
 * it is counted under `route` and logged.
 */
export function track(
  records: LaneRecords,
  request: IncomingMessage,
  response: ServerResponse,
  route: string,
): Exchange {
  const start = performance.now();
  const exchange: Exchange = { id: records.requestId() };
  response.once('finish', () => {
    const ms = performance.now() - start;
    const method = request.method ?? 'GET';
    const status = response.statusCode;
    const { metrics, requestLog, trust } = records;
    metrics.observe(route, method, status, ms, requestLog.endpoints.get(route));
    requestLog.answered(records.logger, {
      id: exchange.id,
      method,
      url: request.url ?? '/',
      ip: trust ? proxyAddr(request, trust) : request.socket.remoteAddress,
      status,
      ms,
      consumer: exchange.consumer,
      headers: request.headers,
      wwwAuthenticate: exchange.wwwAuthenticate,
    });
  });
  return exchange;
}

/** Writes a whole answer (a problem, a refusal, forward-auth's verdict). */
export function answer(
  response: ServerResponse,
  status: number,
  headers: Readonly<Record<string, string>>,
  body: string | undefined,
): void {
  const length = body === undefined ? 0 : Buffer.byteLength(body);
  response.writeHead(status, { ...headers, 'content-length': String(length) });
  response.end(body);
}
