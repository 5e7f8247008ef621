/**
 * The Fastify adapter: a plugin serving the token endpoints, and a `protect` pre-handler for
 * resources. It leaves the application's content-type parsers alone: the endpoints live in an
 * encapsulated context of their own that keeps bodies raw, and a route guarded by `protect`
 * gets a `preParsing` hook that keeps the exact bytes of its body (which a signature or body hash
 * covers) while the application's own parser still parses them into `request.body`.
 */
import { Readable } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  preHandlerAsyncHookHandler,
  preParsingHookHandler,
  RouteOptions,
} from 'fastify';
import type { WireResponse } from '../problems/wire.js';
import type { Provider } from '../provider/provider.js';
import type { OAuthRequest } from '../provider/request.js';
import type { VerifiedRequest, VerifyOptions } from '../provider/verify.js';
import { DEFAULT_BODY_LIMIT } from './node.js';
import { type AdapterOptions, DEFAULT_PATHS } from './paths.js';
import { bodyAlreadyParsed, bodySent, needsBodyBytes, type Refusal, refusalFor } from './refusal.js';

export type { AdapterOptions, EndpointPaths } from './paths.js';
export type { Refusal } from './refusal.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `protect`: what the verified OAuth request proves. */
    oauth: VerifiedRequest | null;
  }
}

/** The bytes of a body as its parser read them; `complete` once the parser read it all. */
interface KeptBody {
  readonly chunks: Buffer[];
  complete: boolean;
}

const keptBodies = new WeakMap<FastifyRequest, KeptBody>();

async function* keepChunks(payload: AsyncIterable<Buffer | string>, kept: KeptBody) {
  for await (const chunk of payload) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    kept.chunks.push(bytes);
    yield bytes;
  }
  kept.complete = true;
}

/**
 * The `preParsing` hook of a guarded route: hands the parser a copy of the body stream that keeps
 * each chunk the parser reads. The copy is lazy: a body no parser reads (a GET's, or one refused
 * with 415) is never read from the connection, so Node discards it as it would have.
 */
function keepBodyBytes(
  request: FastifyRequest,
  _reply: FastifyReply,
  payload: Readable & { receivedEncodedLength?: number },
  done: (error: Error | null, payload?: Readable) => void,
): void {
  const kept: KeptBody = { chunks: [], complete: false };
  keptBodies.set(request, kept);
  const copy = Readable.from(keepChunks(payload, kept), { objectMode: false });
  // A decompressing hook before this one counts the bytes received; the parser's limit reads it.
  Object.defineProperty(copy, 'receivedEncodedLength', { get: () => payload.receivedEncodedLength });
  done(null, copy);
}

/**
 * The engine's view of a Fastify request: its body's bytes as the `preParsing` hook of a guarded
 * route, or `oauth.keepRawBody` on a route of the application's own, kept them, else a body kept
 * raw (a Buffer or a string, as by a raw parser of the application's); a body parsed into
 * anything else is left out.
 *
 * @example
 * ```ts
 * app.post('/lti/launch', { preParsing: oauth.keepRawBody }, async (request) =>
 *   greet(await verifyLaunch(provider, fromFastifyRequest(request))),
 * );
 * ```
 */
export function fromFastifyRequest(request: FastifyRequest): OAuthRequest {
  const kept = keptBodies.get(request);
  const body: unknown = kept?.complete ? Buffer.concat(kept.chunks) : request.body;
  return {
    method: request.method,
    target: request.raw.url ?? request.url,
    headers: request.headers,
    // The connection's own TLS: request.protocol believes X-Forwarded-Proto, which the engine
    // reads itself, from the header family and the proxies it is configured to trust.
    secure: (request.raw.socket as Partial<TLSSocket> | undefined)?.encrypted === true,
    remoteAddress: request.raw.socket?.remoteAddress,
    body: Buffer.isBuffer(body) || typeof body === 'string' ? body : undefined,
  };
}

/** Whether a body was sent that the application parsed, or left unread, with no hook keeping its bytes. */
function bytesGone(request: FastifyRequest): boolean {
  const body: unknown = request.body;
  return (
    keptBodies.get(request)?.complete !== true &&
    !Buffer.isBuffer(body) &&
    typeof body !== 'string' &&
    bodySent(request.headers)
  );
}

function send(reply: FastifyReply, wire: WireResponse): FastifyReply {
  return reply.code(wire.status).headers(wire.headers).send(wire.body);
}

const PARSED_ADVICE =
  'Server: register oauth.plugin before this route, in the same Fastify context or one enclosing it.';

/** The Fastify adapter's options: the shared ones, and who answers a refused resource request. */
export interface FastifyAdapterOptions extends AdapterOptions {
  /**
   * Answers a request `protect` refused, instead of the problem response (`refusal.response`):
   * send the reply, or throw to hand the refusal to the application's error handler. If it sends
   * nothing, the problem response is sent; the route never runs.
   *
   * @defaultValue `undefined` (the problem response is sent)
   */
  readonly onRefused?:
    ((refusal: Refusal, request: FastifyRequest, reply: FastifyReply) => unknown) | undefined;
}

/** The Fastify adapter: register `plugin`, put `protect(...)` in front of resource routes. */
export interface FastifyAdapter {
  /**
   * Serves the token endpoints, decorates `request.oauth`, and keeps the body bytes of the routes
   * registered after it (in its context and the ones inside it) that `protect` guards.
   */
  readonly plugin: (instance: FastifyInstance) => Promise<void>;
  protect(options?: VerifyOptions): preHandlerAsyncHookHandler;
  /**
   * The `preParsing` hook `protect` puts on the routes it guards, for a route that reads the
   * request itself with {@link fromFastifyRequest} (an LTI launch): the application's parser still
   * parses the body, and the exact bytes a signature covers are kept beside it.
   *
   * @example
   * ```ts
   * app.post('/lti/launch', { preParsing: oauth.keepRawBody }, (request) => verifyLaunch(provider, fromFastifyRequest(request)));
   * ```
   */
  readonly keepRawBody: preParsingHookHandler;
  /** Answers with the response for an error: the problem response for an `OAuthProblem`. */
  refuse(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply;
}

const asList = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/**
 * @example
 * ```ts
 * const oauth = fastifyAdapter(provider);
 * await app.register(oauth.plugin);
 * app.get('/api/me', { preHandler: oauth.protect({ scope: 'read_public' }) }, (req) => ({ user: req.oauth?.user }));
 * ```
 */
export function fastifyAdapter(provider: Provider, options: FastifyAdapterOptions = {}): FastifyAdapter {
  const paths = options.paths ?? DEFAULT_PATHS;
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const guards = new WeakSet<object>();
  const guarded = (route: RouteOptions) =>
    [...asList(route.preHandler), ...asList(route.preValidation)].some((hook) => guards.has(hook));
  const endpoint = (name: 'initiate' | 'token') => async (request: FastifyRequest, reply: FastifyReply) => {
    const oauthRequest = fromFastifyRequest(request);
    return send(reply, await provider[name](oauthRequest));
  };
  const endpoints = (scope: FastifyInstance) => {
    // Raw bodies in this context alone: the signature covers the exact bytes.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_request, body, done) =>
      done(null, body),
    );
    // Every method goes to the engine, which answers a wrong one with method_not_allowed.
    scope.all(paths.initiate, endpoint('initiate'));
    scope.all(paths.token, endpoint('token'));
    return Promise.resolve();
  };
  const plugin = Object.assign(
    async (instance: FastifyInstance) => {
      instance.decorateRequest('oauth', null);
      instance.addHook('onRoute', (route) => {
        if (guarded(route)) route.preParsing = [...asList(route.preParsing), keepBodyBytes];
      });
      await instance.register(endpoints);
    },
    // Not encapsulated (what fastify-plugin does), so that the decoration and the onRoute hook
    // reach the application's routes; the endpoints' raw parser is encapsulated above.
    { [Symbol.for('skip-override')]: true },
  );
  const refuse = (request: FastifyRequest, reply: FastifyReply, error: unknown) =>
    send(reply, provider.errorResponse(error, fromFastifyRequest(request)));
  const protect = (protectOptions?: VerifyOptions): preHandlerAsyncHookHandler => {
    const guard: preHandlerAsyncHookHandler = async (request, reply) => {
      const oauthRequest = fromFastifyRequest(request);
      try {
        if (bytesGone(request) && needsBodyBytes(provider, oauthRequest, protectOptions)) {
          throw bodyAlreadyParsed(PARSED_ADVICE);
        }
        request.oauth = await provider.verify(oauthRequest, protectOptions);
      } catch (error) {
        const refusal = refusalFor(provider, error, oauthRequest);
        if (options.onRefused) await options.onRefused(refusal, request, reply);
        // Never on to the route: an onRefused that sent nothing leaves the problem response.
        if (!reply.sent) send(reply, refusal.response);
        return reply;
      }
      return undefined;
    };
    guards.add(guard);
    return guard;
  };
  return { plugin, refuse, protect, keepRawBody: keepBodyBytes };
}
