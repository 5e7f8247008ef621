/**
 * The Fastify adapter: a plugin serving the token endpoints, and a `protect` pre-handler for
 * resources. The plugin keeps every body raw (a Buffer) in the scope it is registered in, because
 * the signature covers the exact bytes; it is not encapsulated, so routes registered beside it in
 * the same scope see raw bodies too.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { TLSSocket } from 'node:tls';
import type { WireResponse } from '../problems/wire.js';
import type { Provider } from '../provider/provider.js';
import type { OAuthRequest } from '../provider/request.js';
import type { VerifiedRequest, VerifyOptions } from '../provider/verify.js';
import { DEFAULT_BODY_LIMIT } from './node.js';
import { type AdapterOptions, DEFAULT_PATHS } from './paths.js';

export type { AdapterOptions, EndpointPaths } from './paths.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `protect`: what the verified OAuth request proves. */
    oauth: VerifiedRequest | null;
  }
}

/**
 * The engine's view of a Fastify request whose body was kept raw (a Buffer or a string), as the
 * plugin keeps it; a parsed body is left out, since the signature covers the exact bytes.
 *
 * @example
 * ```ts
 * const launch = await verifyLaunch(provider, fromFastifyRequest(request));
 * ```
 */
export function fromFastifyRequest(request: FastifyRequest): OAuthRequest {
  const body: unknown = request.body;
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

function send(reply: FastifyReply, wire: WireResponse): FastifyReply {
  return reply.code(wire.status).headers(wire.headers).send(wire.body);
}

/** The Fastify adapter: register `plugin`, put `protect(...)` in front of resource routes. */
export interface FastifyAdapter {
  readonly plugin: (instance: FastifyInstance) => Promise<void>;
  protect(options?: VerifyOptions): preHandlerAsyncHookHandler;
  /** Answers with the response for an error: the problem response for an `OAuthProblem`. */
  refuse(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply;
}

/**
 * @example
 * ```ts
 * const oauth = fastifyAdapter(provider);
 * await app.register(oauth.plugin);
 * app.get('/api/me', { preHandler: oauth.protect({ scope: 'read_public' }) }, (req) => ({ user: req.oauth?.user }));
 * ```
 */
export function fastifyAdapter(provider: Provider, options: AdapterOptions = {}): FastifyAdapter {
  const paths = options.paths ?? DEFAULT_PATHS;
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const endpoint = (name: 'initiate' | 'token') => async (request: FastifyRequest, reply: FastifyReply) => {
    const oauthRequest = fromFastifyRequest(request);
    return send(reply, await provider[name](oauthRequest));
  };
  const plugin = Object.assign(
    async (instance: FastifyInstance) => {
      instance.removeAllContentTypeParsers();
      instance.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_request, body, done) =>
        done(null, body),
      );
      instance.decorateRequest('oauth', null);
      // Every method goes to the engine, which answers a wrong one with method_not_allowed.
      instance.all(paths.initiate, endpoint('initiate'));
      instance.all(paths.token, endpoint('token'));
      return Promise.resolve();
    },
    // Not encapsulated (what fastify-plugin does): the parsers apply to the routes beside the plugin.
    { [Symbol.for('skip-override')]: true },
  );
  return {
    plugin,
    refuse: (request, reply, error) =>
      send(reply, provider.errorResponse(error, fromFastifyRequest(request))),
    protect: (protectOptions) => async (request, reply) => {
      const oauthRequest = fromFastifyRequest(request);
      try {
        request.oauth = await provider.verify(oauthRequest, protectOptions);
      } catch (error) {
        await send(reply, provider.errorResponse(error, oauthRequest));
      }
    },
  };
}
