/**
 * The gateway: with an upstream, every request that matches a route of the route file is verified
 * with the route's scope and forwarded; and `GET /oauth/forward-auth` answers a proxy (nginx
 * `auth_request`, Traefik ForwardAuth) asking whether to let a request through. Both match the same
 * routes. A Fastify plugin of its own: bodies arrive raw (the signature covers them), and nothing
 * of the pages (sessions, CSRF, helmet) runs on a forwarded request.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import {
  type CreateProviderOptions,
  createProvider,
  type OAuthRequest,
  type Provider,
  type ProxyTrust,
  type WireResponse,
} from 'countersign';
import { answer, answerFirst, hasBody, type Lane, type LaneRecords, track } from './direct-lane.js';
import { forwardAuthRoute, forwardAuthVerdict } from './forward-auth.js';
import { type Identity, identityOf, peerTrust, type PeerTrust, upstreamHeaders } from './forward-headers.js';
import type { Metrics } from '../metrics.js';
import type { RequestLog } from '../request-log.js';
import { AMBIGUOUS_PATH, pathSegments } from './request-path.js';
import {
  type GatewayRoute,
  matchRoute,
  overlaps,
  RouteFileError,
  routeName,
  serverPattern,
} from './routes.js';
import { connectUpstream, type Upstream } from './upstream.js';

/** What `buildServer` takes to be a gateway. */
export interface GatewayOptions {
  readonly routes: readonly GatewayRoute[];
  /** The upstream's origin (`http://127.0.0.1:8080`); without it only forward-auth is served. */
  readonly upstream?: string | undefined;
  /** Seconds the upstream has to connect, to begin its answer, and between two chunks of it (30). */
  readonly upstreamTimeout?: number | undefined;
}

export interface GatewayContext {
  readonly provider: Provider;
  /** The provider forward-auth verifies with: the public URL's origin without its path. */
  readonly forwardAuthProvider: Provider;
  readonly trust: ProxyTrust | undefined;
  /** The server's own paths (Fastify's syntax), which no route may overlap. */
  readonly ownPaths: readonly string[];
  /** The server's metrics and request log, which the direct lane records its requests in. */
  readonly metrics: Metrics;
  readonly requestLog: RequestLog;
  /** The next request id, from the counter Fastify's requests take theirs from. */
  readonly requestId: () => string;
}

/**
 * The provider forward-auth verifies with. The URI a proxy names is the whole path the client
 * used, so a public URL's path (the prefix the server itself is mounted under) is not put before
 * it: the same provider with the public URL's origin only.
 */
export function forwardAuthProvider(provider: Provider, options: CreateProviderOptions): Provider {
  if (options.publicUrl === undefined) return provider;
  const url = new URL(options.publicUrl);
  return url.pathname === '/' ? provider : createProvider({ ...options, publicUrl: url.origin });
}

/** Paths the server keeps for itself whatever it serves today. */
const RESERVED = ['/oauth/*', '/static/*'];

/** Refuses (`RouteFileError`) a route that overlaps a path of the server's own. */
function checkOwnPaths(routes: readonly GatewayRoute[], ownPaths: readonly string[]): void {
  const own = [...RESERVED, ...ownPaths.filter((path) => path !== '/*')];
  for (const route of routes) {
    const taken = own.find((path) => overlaps(route, serverPattern(path)));
    if (taken !== undefined)
      throw new RouteFileError(`${routeName(route)}: overlaps the server's own path ${taken}`);
  }
}

function plain(reply: FastifyReply, status: number, text: string): FastifyReply {
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .header('x-content-type-options', 'nosniff')
    .type('text/plain; charset=utf-8')
    .send(`${text}\n`);
}

function send(reply: FastifyReply, wire: WireResponse): FastifyReply {
  return reply.code(wire.status).headers(wire.headers).send(wire.body);
}

/** Whether the client sent a body Fastify's parsers left unread (a GET's, or one without a type). */
function hasUnreadBody(request: FastifyRequest): boolean {
  if (request.body !== undefined) return false;
  const { headers } = request;
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** The server's body limit, the adapters' own (1 MiB): a larger body is refused with 413. */
const BODY_LIMIT = 1024 * 1024;

/** What the client sent of a body Fastify left unread, counted as it arrives; `undefined` past the limit. */
async function readRest(request: IncomingMessage): Promise<Buffer | undefined> {
  if (Number(request.headers['content-length'] ?? 0) > BODY_LIMIT) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    // Leaving the loop ends the request: a body without a length is never held whole past the limit.
    if (size > BODY_LIMIT) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The body to verify and forward: what the parser read, or the rest of the request; `null` past the limit. */
async function bodyOf(request: FastifyRequest): Promise<Buffer | undefined | null> {
  if (hasUnreadBody(request)) return (await readRest(request.raw)) ?? null;
  return Buffer.isBuffer(request.body) ? request.body : undefined;
}

/** The identity a request proves for `route`, or the problem response it gets instead. */
async function identityFor(
  provider: Provider,
  request: IncomingMessage,
  route: GatewayRoute,
  body: Buffer | undefined,
): Promise<Identity | WireResponse> {
  const socket = request.socket;
  const oauthRequest: OAuthRequest = {
    method: request.method ?? 'GET',
    target: request.url ?? '/',
    headers: request.headers,
    secure: (socket as Partial<TLSSocket>).encrypted === true,
    remoteAddress: socket.remoteAddress,
    body,
  };
  try {
    return identityOf(await provider.verify(oauthRequest, { scope: route.scope }));
  } catch (error) {
    return provider.errorResponse(error, oauthRequest);
  }
}

/**
 * A connection idle longer than the server's idle timeout is closed: while an upstream that may
 * take longer than that is answering, the client's connection waits as long as the upstream may.
 */
function waitForUpstream(
  server: Server,
  request: IncomingMessage,
  response: ServerResponse,
  timeoutMs: number,
) {
  const idle = server.timeout;
  if (idle <= 0 || timeoutMs < idle) return;
  const socket = request.socket;
  socket.setTimeout(timeoutMs + 5_000);
  response.once('finish', () => socket.setTimeout(idle));
}

/** What forwarding needs besides the request. */
interface Forwarding {
  readonly context: GatewayContext;
  readonly routes: readonly GatewayRoute[];
  readonly trusted: PeerTrust;
  readonly upstream: Upstream;
  readonly timeoutMs: number;
  readonly server: Server;
}

/** The route that serves a request target, `undefined` when none does, `null` for a refused path. */
function routeFor(routes: readonly GatewayRoute[], method: string, target: string) {
  const q = target.indexOf('?');
  const segments = pathSegments(q < 0 ? target : target.slice(0, q));
  return segments === undefined ? null : matchRoute(routes, method, segments);
}

/** Sends a verified (or public) request to the upstream, its answer streamed into `response`. */
function forwardTo(
  forwarding: Forwarding,
  request: IncomingMessage,
  response: ServerResponse,
  identity: Identity | undefined,
  body: Buffer | undefined,
  onError: (error: Error) => void,
): void {
  const socket = request.socket;
  const headers = upstreamHeaders(request.rawHeaders, {
    peer: socket.remoteAddress ?? '',
    trusted: forwarding.trusted(socket),
    scheme: (socket as Partial<TLSSocket>).encrypted === true ? 'https' : 'http',
    identity,
    bodyLength: body?.length,
  });
  waitForUpstream(forwarding.server, request, response, forwarding.timeoutMs);
  const path = request.url ?? '/';
  forwarding.upstream.forward({ method: request.method ?? 'GET', path, headers, body, onError }, response);
}

/** The forwarding route (Fastify's): verify with the route's scope, then stream the upstream's answer back. */
function forwardRoute(forwarding: Forwarding) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const route = routeFor(forwarding.routes, request.method, request.raw.url ?? '/');
    if (route === null) return plain(reply, 400, AMBIGUOUS_PATH);
    if (!route) return reply.callNotFound();
    const body = await bodyOf(request);
    if (body === null) return plain(reply, 413, 'Request body too large.');
    const provider = forwarding.context.provider;
    const identity = route.public ? undefined : await identityFor(provider, request.raw, route, body);
    if (identity && 'status' in identity) return send(reply, identity);
    reply.hijack();
    const onError = (error: Error) => request.log.error({ reqId: request.id, err: error }, 'upstream failed');
    forwardTo(forwarding, request.raw, reply.raw, identity, body, onError);
    return reply;
  };
}

/** The direct lane's forwarding: a request without a body that a route matches (see direct-lane.ts). */
async function forwardDirect(
  forwarding: Forwarding,
  records: LaneRecords,
  route: GatewayRoute,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const exchange = track(records, request, response, '/*');
  const provider = forwarding.context.provider;
  const identity = route.public ? undefined : await identityFor(provider, request, route, undefined);
  if (identity && 'status' in identity) {
    exchange.wwwAuthenticate = identity.headers['www-authenticate'];
    return answer(response, identity.status, identity.headers, identity.body);
  }
  exchange.consumer = identity?.consumerKey;
  const onError = (error: Error) =>
    records.logger.error({ reqId: exchange.id, err: error }, 'upstream failed');
  forwardTo(forwarding, request, response, identity, undefined, onError);
}

/** An error nothing else answered: logged, and answered 500 without saying more. */
function failed(records: LaneRecords, response: ServerResponse, error: unknown): void {
  records.logger.error({ err: error }, 'request failed');
  if (response.headersSent) response.destroy();
  else answer(response, 500, PLAIN, 'Something went wrong on the server.\n');
}

const PLAIN = { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' };

/**
 * The gateway's plugin: the forwarding route (with an upstream) and forward-auth. Throws
 * `RouteFileError` when, forwarding, a route overlaps one of the server's own paths (all of them
 * registered by then).
 *
 * @example
 * ```ts
 * await app.register(gateway({ routes, upstream: 'http://127.0.0.1:8080' }, context));
 * ```
 */
export function gateway(options: GatewayOptions, context: GatewayContext) {
  if (options.upstream !== undefined) checkOwnPaths(options.routes, context.ownPaths);
  return (app: FastifyInstance): Promise<void> => {
    const { routes } = options;
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_request, body, done) =>
      done(null, body),
    );
    const trusted = peerTrust(context.trust);
    const records: LaneRecords = {
      metrics: context.metrics,
      requestLog: context.requestLog,
      logger: app.log,
      requestId: context.requestId,
      trust: context.trust,
    };
    // A closing server's requests go to Fastify, which answers them 503.
    let closing = false;
    app.addHook('preClose', (done) => {
      closing = true;
      done();
    });
    app.get('/oauth/forward-auth', forwardAuthRoute(context, routes, trusted));
    const askingLane = forwardAuthLane(context, routes, trusted, records);
    if (options.upstream === undefined) {
      answerFirst(app.server, (request, response) => !closing && askingLane(request, response));
      return Promise.resolve();
    }
    const timeoutMs = (options.upstreamTimeout ?? 30) * 1000;
    const upstream = connectUpstream(options.upstream, timeoutMs);
    app.addHook('onClose', () => upstream.close());
    const forwarding: Forwarding = { context, routes, trusted, upstream, timeoutMs, server: app.server };
    app.all('/*', forwardRoute(forwarding));
    answerFirst(app.server, (request, response) => {
      if (closing) return false;
      if (askingLane(request, response)) return true;
      if (hasBody(request)) return false;
      const route = routeFor(routes, request.method ?? 'GET', request.url ?? '/');
      if (!route) return false;
      forwardDirect(forwarding, records, route, request, response).catch((error: unknown) =>
        failed(records, response, error),
      );
      return true;
    });
    return Promise.resolve();
  };
}

/** The direct lane's forward-auth: a plain `GET /oauth/forward-auth` (see direct-lane.ts). */
function forwardAuthLane(
  context: GatewayContext,
  routes: readonly GatewayRoute[],
  trusted: PeerTrust,
  records: LaneRecords,
): Lane {
  const provider = context.forwardAuthProvider;
  return (request, response) => {
    if (request.url !== '/oauth/forward-auth' || request.method !== 'GET' || hasBody(request)) return false;
    const exchange = track(records, request, response, '/oauth/forward-auth');
    forwardAuthVerdict(provider, routes, trusted, request).then(
      (verdict) => {
        exchange.consumer = verdict.consumer;
        exchange.wwwAuthenticate = verdict.headers['www-authenticate'];
        answer(response, verdict.status, verdict.headers, verdict.body);
      },
      (error: unknown) => failed(records, response, error),
    );
    return true;
  };
}
