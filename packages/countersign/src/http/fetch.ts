/**
 * The fetch-style adapter: a web `Request` in, a `Response` out. Usable from Hono, Deno-style
 * servers, or anything that speaks the Fetch API.
 */
import type { WireResponse } from '../problems/wire.js';
import type { Provider } from '../provider/provider.js';
import type { OAuthRequest } from '../provider/request.js';
import type { VerifiedRequest, VerifyOptions } from '../provider/verify.js';
import { BodyTooLargeError, DEFAULT_BODY_LIMIT, readLimited } from './node.js';
import { type AdapterOptions, DEFAULT_PATHS, endpointFor } from './paths.js';

export type { AdapterOptions, EndpointPaths } from './paths.js';

/** The engine's view of a fetch `Request`, or `undefined` when its body is over `limit`. */
export async function fromFetchRequest(
  request: Request,
  limit = DEFAULT_BODY_LIMIT,
): Promise<OAuthRequest | undefined> {
  const url = new URL(request.url);
  const headers: Record<string, string> = { host: url.host };
  request.headers.forEach((value, name) => {
    headers[name] = value;
  });
  if (Number(headers['content-length'] ?? 0) > limit) return undefined;
  let body: Uint8Array | undefined;
  try {
    body = request.body === null ? undefined : await readLimited(request.body, limit);
  } catch (error) {
    if (error instanceof BodyTooLargeError) return undefined;
    throw error;
  }
  return {
    method: request.method,
    target: url.pathname + url.search,
    headers,
    secure: url.protocol === 'https:',
    body,
  };
}

/** An engine answer as a fetch `Response`. */
export function toResponse(wire: WireResponse): Response {
  return new Response(wire.body, { status: wire.status, headers: wire.headers });
}

const tooLarge = () =>
  new Response('Request body too large.', { status: 413, headers: { 'content-type': 'text/plain' } });

/** The fetch adapter's two calls. */
export interface FetchAdapter {
  /** Answers the initiate and token endpoints; `undefined` for other paths. */
  handleEndpoint(request: Request): Promise<Response | undefined>;
  /** Verifies a resource request: what it proves and its body, or the problem `Response` to return. */
  protect(
    request: Request,
    options?: VerifyOptions,
  ): Promise<{ verified: VerifiedRequest; body: Uint8Array | undefined } | Response>;
}

/**
 * @example
 * ```ts
 * const oauth = fetchAdapter(provider);
 * app.all('/oauth/*', async (c) => (await oauth.handleEndpoint(c.req.raw)) ?? c.notFound());
 * app.get('/api/me', async (c) => {
 *   const result = await oauth.protect(c.req.raw, { scope: 'read_public' });
 *   return result instanceof Response ? result : c.json({ user: result.verified.user });
 * });
 * ```
 */
export function fetchAdapter(provider: Provider, options: AdapterOptions = {}): FetchAdapter {
  const paths = options.paths ?? DEFAULT_PATHS;
  const limit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  return {
    async handleEndpoint(request) {
      const endpoint = endpointFor(paths, new URL(request.url).pathname);
      if (!endpoint) return undefined;
      const oauthRequest = await fromFetchRequest(request, limit);
      return oauthRequest ? toResponse(await provider[endpoint](oauthRequest)) : tooLarge();
    },
    async protect(request, protectOptions) {
      const oauthRequest = await fromFetchRequest(request, limit);
      if (!oauthRequest) return tooLarge();
      try {
        const verified = await provider.verify(oauthRequest, protectOptions);
        return { verified, body: oauthRequest.body as Uint8Array | undefined };
      } catch (error) {
        return toResponse(provider.errorResponse(error, oauthRequest));
      }
    },
  };
}
