/**
 * The gateway: with an upstream, every request that matches a route of the route file is verified
 * with the route's scope and forwarded; and `GET /oauth/forward-auth` answers a proxy (nginx
 * `auth_request`, Traefik ForwardAuth) asking whether to let a request through. Both match the same
 * routes. A Fastify plugin of its own: bodies arrive raw (the signature covers them), and nothing
 * of the pages (sessions, CSRF, helmet) runs on a forwarded request.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import {
  type CreateProviderOptions,
  createProvider,
  type OAuthRequest,
  type Provider,
  type ProxyTrust,
  type WireResponse,
} from 'countersign';
import { forwardAuthRoute } from './forward-auth.js';
import { type Identity, identityOf, peerTrust, type PeerTrust, upstreamHeaders } from './forward-headers.js';
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

/** The request as the provider verifies it. */
function oauthRequestOf(request: FastifyRequest, body: Buffer | undefined): OAuthRequest {
  const socket = request.raw.socket;
  return {
    method: request.method,
    target: request.raw.url ?? '/',
    headers: request.headers,
    secure: (socket as Partial<TLSSocket>).encrypted === true,
    remoteAddress: socket.remoteAddress,
    body,
  };
}

/**
 * A connection idle longer than the server's idle timeout is closed: while an upstream that may
 * take longer than that is answering, the client's connection waits as long as the upstream may.
 */
function waitForUpstream(request: FastifyRequest, reply: FastifyReply, timeoutMs: number): void {
  const idle = request.server.server.timeout;
  if (idle <= 0 || timeoutMs < idle) return;
  const socket = request.raw.socket;
  socket.setTimeout(timeoutMs + 5_000);
  reply.raw.once('finish', () => socket.setTimeout(idle));
}

/**
 * The forwarding route: verify with the route's scope, then stream the upstream's answer back.
 * Written without `async`: a request without a body that needs no verifying (a public route)
 * is forwarded in the turn that read it, and a verified one right when its verdict comes.
 */
function forwardRoute(
  context: GatewayContext,
  routes: readonly GatewayRoute[],
  trusted: PeerTrust,
  upstream: Upstream,
  timeoutMs: number,
) {
  const { provider } = context;
  const forward = (
    request: FastifyRequest,
    reply: FastifyReply,
    body: Buffer | undefined,
    identity?: Identity,
  ) => {
    const socket = request.raw.socket;
    const headers = upstreamHeaders(request.raw.rawHeaders, {
      peer: socket.remoteAddress ?? '',
      trusted: trusted(socket),
      scheme: (socket as Partial<TLSSocket>).encrypted === true ? 'https' : 'http',
      connection: request.headers.connection,
      identity,
      bodyLength: body?.length,
    });
    waitForUpstream(request, reply, timeoutMs);
    reply.hijack();
    const onError = (error: Error) => request.log.error({ reqId: request.id, err: error }, 'upstream failed');
    upstream.forward(
      { method: request.method, path: request.raw.url ?? '/', headers, body, onError },
      reply.raw,
    );
    return reply;
  };
  const verifyAndForward = (
    request: FastifyRequest,
    reply: FastifyReply,
    route: GatewayRoute,
    body: Buffer | undefined,
  ): FastifyReply | Promise<FastifyReply> => {
    if (route.public) return forward(request, reply, body);
    const oauthRequest = oauthRequestOf(request, body);
    const refuse = (error: unknown) => send(reply, provider.errorResponse(error, oauthRequest));
    let verdict: Promise<Identity>;
    try {
      verdict = provider.verify(oauthRequest, { scope: route.scope }).then((verified) => {
        // What the request proved, as `protect` leaves it: the log line names its consumer.
        request.oauth = verified;
        return identityOf(verified);
      });
    } catch (error) {
      return refuse(error);
    }
    return verdict.then((identity) => forward(request, reply, body, identity), refuse);
  };
  return (request: FastifyRequest, reply: FastifyReply): FastifyReply | Promise<FastifyReply> => {
    const target = request.raw.url ?? '/';
    const q = target.indexOf('?');
    const segments = pathSegments(q < 0 ? target : target.slice(0, q));
    if (segments === undefined) return plain(reply, 400, AMBIGUOUS_PATH);
    const route = matchRoute(routes, request.method, segments);
    if (!route) {
      reply.callNotFound();
      return reply;
    }
    if (!hasUnreadBody(request))
      return verifyAndForward(
        request,
        reply,
        route,
        Buffer.isBuffer(request.body) ? request.body : undefined,
      );
    return readRest(request.raw).then((body) =>
      body === undefined
        ? plain(reply, 413, 'Request body too large.')
        : verifyAndForward(request, reply, route, body),
    );
  };
}

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
    if (!app.hasRequestDecorator('oauth')) app.decorateRequest('oauth', null);
    const trusted = peerTrust(context.trust);
    app.get('/oauth/forward-auth', forwardAuthRoute(context, routes, trusted));
    if (options.upstream === undefined) return Promise.resolve();
    const timeoutMs = (options.upstreamTimeout ?? 30) * 1000;
    const upstream = connectUpstream(options.upstream, timeoutMs);
    app.addHook('onClose', () => upstream.close());
    app.all('/*', forwardRoute(context, routes, trusted, upstream, timeoutMs));
    return Promise.resolve();
  };
}
