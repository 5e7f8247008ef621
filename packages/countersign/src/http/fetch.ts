/**
 * The fetch-style adapter: a web `Request` in, a `Response` out. Usable from Hono, Deno-style
 * servers, or anything that speaks the Fetch API. `protect` reads a clone of the request, so its
 * body stays readable for the handler after it (`c.req.parseBody()`, `request.json()`).
 */
import type { WireResponse } from '../problems/wire.js';
import type { Provider } from '../provider/provider.js';
import type { OAuthRequest } from '../provider/request.js';
import type { VerifiedRequest, VerifyOptions } from '../provider/verify.js';
import { BodyTooLargeError, DEFAULT_BODY_LIMIT, readLimited } from './node.js';
import { type AdapterOptions, DEFAULT_PATHS, endpointFor } from './paths.js';
import { bodyAlreadyParsed, needsBodyBytes, type Refusal, refusalFor, TOO_LARGE } from './refusal.js';

export type { AdapterOptions, EndpointPaths } from './paths.js';
export type { Refusal } from './refusal.js';

/** A fetch `Request` as the engine reads it, without its body. */
function requestHead(request: Request): OAuthRequest {
  const url = new URL(request.url);
  const headers: Record<string, string> = { host: url.host };
  request.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return {
    method: request.method,
    target: url.pathname + url.search,
    headers,
    secure: url.protocol === 'https:',
  };
}

/** A request with the body read from `chunks`, or `undefined` when it is over `limit`. */
async function withBody(
  head: OAuthRequest,
  chunks: AsyncIterable<Uint8Array> | null,
  limit: number,
): Promise<OAuthRequest | undefined> {
  if (Number(head.headers['content-length'] ?? 0) > limit) return undefined;
  try {
    return { ...head, body: chunks === null ? undefined : await readLimited(chunks, limit) };
  } catch (error) {
    if (error instanceof BodyTooLargeError) return undefined;
    throw error;
  }
}

/**
 * The engine's view of a fetch `Request`, or `undefined` when its body is over `limit`. This
 * reads the request's body; `protect` reads a clone, and leaves it readable.
 */
export async function fromFetchRequest(
  request: Request,
  limit = DEFAULT_BODY_LIMIT,
): Promise<OAuthRequest | undefined> {
  return withBody(requestHead(request), request.body, limit);
}

/**
 * The chunks of one branch of a teed body (`request.clone()`). Left early, the branch is
 * cancelled without waiting: a branch's cancellation settles only once the other branch, the
 * application's, is cancelled too.
 */
async function* cloneChunks(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield value;
    }
    finished = true;
  } finally {
    if (!finished) void reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

/** The request as the engine reads it, its body read from a clone so that it stays readable. */
function readClone(request: Request, limit: number): Promise<OAuthRequest | undefined> {
  const copy = request.clone().body;
  return withBody(requestHead(request), copy && cloneChunks(copy), limit);
}

/** An engine answer as a fetch `Response`. */
export function toResponse(wire: WireResponse): Response {
  return new Response(wire.body, { status: wire.status, headers: wire.headers });
}

const tooLarge = () => toResponse(TOO_LARGE.response);

/** The fetch adapter's options: the shared ones, and who answers a refused resource request. */
export interface FetchAdapterOptions extends AdapterOptions {
  /**
   * Answers a request `protect` refused, instead of the problem response (`refusal.response`).
   * If it returns no `Response`, the problem response is returned; if it throws, a 500 without
   * detail (the error goes to `onError`).
   *
   * @defaultValue `undefined` (the problem response is returned)
   */
  readonly onRefused?: ((refusal: Refusal, request: Request) => Response | Promise<Response>) | undefined;
}

const PARSED_ADVICE = 'Server: call protect() before anything reads the request body.';

/** The fetch adapter's two calls. */
export interface FetchAdapter {
  /** Answers the initiate and token endpoints; `undefined` for other paths. */
  handleEndpoint(request: Request): Promise<Response | undefined>;
  /**
   * Verifies a resource request: what it proves and its body's bytes, or the `Response` to return
   * (the problem response, or what `onRefused` answered). The request's own body is left unread.
   */
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
export function fetchAdapter(provider: Provider, options: FetchAdapterOptions = {}): FetchAdapter {
  const paths = options.paths ?? DEFAULT_PATHS;
  const limit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const refuse = async (refusal: Refusal, request: Request): Promise<Response> => {
    if (!options.onRefused) return toResponse(refusal.response);
    try {
      const answered: unknown = await options.onRefused(refusal, request);
      // An onRefused that returned no Response leaves the problem response, never undefined.
      return answered instanceof Response ? answered : toResponse(refusal.response);
    } catch (error) {
      return toResponse(provider.errorResponse(error, requestHead(request)));
    }
  };
  return {
    async handleEndpoint(request) {
      const endpoint = endpointFor(paths, new URL(request.url).pathname);
      if (!endpoint) return undefined;
      const oauthRequest = await fromFetchRequest(request, limit);
      return oauthRequest ? toResponse(await provider[endpoint](oauthRequest)) : tooLarge();
    },
    async protect(request, protectOptions) {
      const oauthRequest = request.bodyUsed ? requestHead(request) : await readClone(request, limit);
      if (!oauthRequest) return refuse(TOO_LARGE, request);
      try {
        if (request.bodyUsed && needsBodyBytes(provider, oauthRequest, protectOptions)) {
          throw bodyAlreadyParsed(PARSED_ADVICE);
        }
        const verified = await provider.verify(oauthRequest, protectOptions);
        return { verified, body: oauthRequest.body as Uint8Array | undefined };
      } catch (error) {
        return refuse(refusalFor(provider, error, oauthRequest), request);
      }
    },
  };
}
