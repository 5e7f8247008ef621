/**
 * The Express adapter: a middleware serving the token endpoints, and a `protect` middleware for
 * resources. Behind the application's `express.json()` or `express.urlencoded()`, pass them
 * `verify: oauth.keepRawBody` so that the exact bytes are kept beside the parsed body; a flat form
 * parsed without them is re-encoded (the base string sorts parameters, so order does not matter),
 * and a body hash over a body parsed without them is refused with advice saying so, never as a
 * mismatch. A `protect` before any parser reads the body itself: its bytes are then
 * `res.locals.rawBody`, and a parser after it finds nothing left to parse.
 */
import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { percentEncode } from '../core/percent-encoding.js';
import { OAuthProblem } from '../problems/oauth-problem.js';
import type { Provider } from '../provider/provider.js';
import { isFormBody, type OAuthRequest } from '../provider/request.js';
import type { VerifiedRequest, VerifyOptions } from '../provider/verify.js';
import { BodyTooLargeError, DEFAULT_BODY_LIMIT, fromNodeRequest, readBody, sendWire } from './node.js';
import { type AdapterOptions, DEFAULT_PATHS, endpointFor } from './paths.js';
import {
  bodyAlreadyParsed,
  bodySent,
  needsBodyBytes,
  type Refusal,
  refusalFor,
  TOO_LARGE,
} from './refusal.js';

export type { AdapterOptions, EndpointPaths } from './paths.js';
export type { Refusal } from './refusal.js';

/** The bytes body-parser read, kept by `keepRawBody`. */
const rawBodies = new WeakMap<IncomingMessage, Buffer>();
/** What `protect` proved, for `verifiedRequest`. */
const verifiedRequests = new WeakMap<Response, VerifiedRequest>();

/**
 * A body-parser `verify` hook that keeps the exact bytes of the body it parses, so that `protect`
 * verifies them behind `express.json()` or `express.urlencoded()`.
 *
 * @example
 * ```ts
 * app.use(express.json({ verify: keepRawBody }));
 * ```
 */
export function keepRawBody(req: IncomingMessage, _res: unknown, buffer: Buffer): void {
  rawBodies.set(req, buffer);
}

function reencodeForm(body: Record<string, unknown>): string {
  const pairs: string[] = [];
  for (const [name, value] of Object.entries(body)) {
    for (const item of Array.isArray(value) ? (value as unknown[]) : [value]) {
      if (typeof item !== 'string') {
        throw new OAuthProblem('parameter_rejected', {
          parametersRejected: [[name, JSON.stringify(item) ?? '']],
          advice: `The parameter ${name} is not a string; nested or array-style values cannot be signed.`,
        });
      }
      pairs.push(`${percentEncode(name)}=${percentEncode(item)}`);
    }
  }
  return pairs.join('&');
}

/** The request as the client sent it: `originalUrl`, since a mounted router sees a shortened `url`. */
function fromExpressRequest(req: Request, body: Uint8Array | string | undefined): OAuthRequest {
  return { ...fromNodeRequest(req, body), target: req.originalUrl };
}

// Not "mount protect before the parsers": protect then reads the body itself, and the parsers
// after it find the stream consumed (the bytes are in res.locals.rawBody, unparsed).
const PARSED_ADVICE =
  'Server: pass { verify: oauth.keepRawBody } to express.json() and express.urlencoded().';

/**
 * The engine's view of an Express request, its body read (up to `limit` bytes, else
 * `BodyTooLargeError`) or taken from what a body parser kept: the bytes `keepRawBody` kept, a
 * raw or text body, or a flat form re-encoded. A body parsed into an object without its bytes is
 * left out; `protect` refuses it when verifying needs it.
 *
 * @example
 * ```ts
 * const request = await readExpressRequest(req);
 * const launch = await verifyLaunch(provider, request);
 * ```
 */
export async function readExpressRequest(req: Request, limit = DEFAULT_BODY_LIMIT): Promise<OAuthRequest> {
  const kept = rawBodies.get(req);
  if (kept) return fromExpressRequest(req, kept);
  const parsed: unknown = req.body;
  if (Buffer.isBuffer(parsed) || typeof parsed === 'string') return fromExpressRequest(req, parsed);
  if (req.readable) return fromExpressRequest(req, await readBody(req, limit));
  const request = fromExpressRequest(req, undefined);
  if (parsed !== null && typeof parsed === 'object' && isFormBody(request)) {
    return { ...request, body: reencodeForm(parsed as Record<string, unknown>) };
  }
  return request;
}

/**
 * Throws the problem for a body whose bytes a parser took without `keepRawBody`, when verifying
 * `request` needs them: advice for the application, not a misleading mismatch, and never a body
 * accepted that a required body hash did not cover. For what reads requests with
 * {@link readExpressRequest} (`protect`, the Passport strategies).
 */
export function refuseParsedAway(
  provider: Provider,
  req: Request,
  request: OAuthRequest,
  options: VerifyOptions | undefined,
): void {
  if (request.body === undefined && bytesGone(req) && needsBodyBytes(provider, request, options)) {
    throw bodyAlreadyParsed(PARSED_ADVICE);
  }
}

/** Whether a body was sent and something before the adapter read it, keeping none of its bytes. */
function bytesGone(req: Request): boolean {
  return !rawBodies.has(req) && !req.readable && bodySent(req.headers);
}

/**
 * What `protect` proved about the request this response answers.
 *
 * @example
 * ```ts
 * app.get('/api/me', oauth.protect({ scope: 'read_public' }), (_req, res) => {
 *   res.json({ user: verifiedRequest(res).user });
 * });
 * ```
 */
export function verifiedRequest(res: Response): VerifiedRequest {
  const verified = verifiedRequests.get(res);
  if (!verified) throw new Error('verifiedRequest(res): no oauth.protect() ran before this handler.');
  return verified;
}

/** The Express adapter's options: the shared ones, and who answers a refused resource request. */
export interface ExpressAdapterOptions extends AdapterOptions {
  /**
   * Answers a request `protect` refused, instead of the problem response (`refusal.response`)
   * the adapter would send: render a page, or `next(refusal.error)` to an error middleware (it
   * carries the status, also for a 413, 500 or 503). The route never runs: the `next` it gets
   * turns `next()`, `next('route')` and `next('router')` into `next(refusal.error)`. If it neither
   * answers nor calls `next` by the time it returns (or its promise settles), the problem response
   * is sent; if it throws, a 500 without detail (the error goes to `onError`).
   *
   * @defaultValue `undefined` (the problem response is sent)
   */
  readonly onRefused?:
    ((refusal: Refusal, req: Request, res: Response, next: NextFunction) => unknown) | undefined;
}

/** The Express adapter's middlewares, and the body-parser hook that keeps raw bytes. */
export interface ExpressAdapter {
  /** Serves `POST /oauth/initiate` and `POST /oauth/token` (paths configurable). */
  readonly endpoints: RequestHandler;
  /**
   * Verifies a resource request needing `scope` (and a signed non-form body with `bodyHash:
   * 'required'`); what it proves is `verifiedRequest(res)` (also `res.locals.oauth`), the body's
   * bytes `res.locals.rawBody`.
   */
  protect(options?: VerifyOptions): RequestHandler;
  /** `keepRawBody`, for `express.json({ verify: oauth.keepRawBody })`. */
  readonly keepRawBody: typeof keepRawBody;
}

/**
 * @example
 * ```ts
 * const oauth = expressAdapter(provider);
 * app.use(express.json({ verify: oauth.keepRawBody }));
 * app.use(oauth.endpoints);
 * app.get('/api/me', oauth.protect({ scope: 'read_public' }), (req, res) => res.json({ user: verifiedRequest(res).user }));
 * ```
 */
export function expressAdapter(provider: Provider, options: ExpressAdapterOptions = {}): ExpressAdapter {
  const paths = options.paths ?? DEFAULT_PATHS;
  const limit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const endpointHandler: RequestHandler = (req, res) => {
    readExpressRequest(req, limit)
      .then(async (request) => {
        const endpoint = endpointFor(paths, request.target.split('?')[0] ?? '/');
        if (endpoint) sendWire(res, await provider[endpoint](request));
      })
      .catch((error: unknown) => {
        if (error instanceof BodyTooLargeError) sendWire(res, TOO_LARGE.response);
        else sendWire(res, provider.errorResponse(error, fromExpressRequest(req, undefined)));
      });
  };
  const refuse = (refusal: Refusal, req: Request, res: Response, next: NextFunction) => {
    const { onRefused } = options;
    if (!onRefused) {
      sendWire(res, refusal.response);
      return;
    }
    let passedOn = false;
    // A refused request never reaches the route: a next() without an error carries the refusal.
    const refusedNext = (error?: unknown) => {
      passedOn = true;
      next(
        error === undefined || error === null || error === 'route' || error === 'router'
          ? refusal.error
          : error,
      );
    };
    const failed = (error: unknown) => {
      if (passedOn) return;
      // Answered as any failure of the server's own: a 500 without detail, the error to onError.
      if (!res.headersSent) sendWire(res, provider.errorResponse(error, fromExpressRequest(req, undefined)));
      else if (!res.writableEnded) res.end();
    };
    // res.render answers a tick later: look after those, then send what an onRefused that
    // answered nothing left unsent, rather than leave the client waiting for the socket timeout.
    const answered = () => {
      if (!passedOn && !res.headersSent) sendWire(res, refusal.response);
    };
    Promise.resolve()
      .then(() => onRefused(refusal, req, res, refusedNext as NextFunction))
      .then(() => setImmediate(answered), failed);
  };
  /** Verifies the request, keeping what it proves; the refusal when it is refused. */
  const verify = async (req: Request, res: Response, protectOptions: VerifyOptions | undefined) => {
    let request: OAuthRequest;
    try {
      request = await readExpressRequest(req, limit);
    } catch (error) {
      if (error instanceof BodyTooLargeError) return TOO_LARGE;
      return refusalFor(provider, error, fromExpressRequest(req, undefined));
    }
    try {
      refuseParsedAway(provider, req, request, protectOptions);
      const verified = await provider.verify(request, protectOptions);
      verifiedRequests.set(res, verified);
      res.locals.oauth = verified;
      res.locals.rawBody = request.body;
      return undefined;
    } catch (error) {
      return refusalFor(provider, error, request);
    }
  };
  return {
    endpoints: (req, res, next) => {
      if (endpointFor(paths, req.path) === undefined) next();
      else endpointHandler(req, res, next);
    },
    protect: (protectOptions) => (req, res, next) => {
      verify(req, res, protectOptions)
        .then((refusal) => (refusal ? refuse(refusal, req, res, next) : next()))
        .catch(next);
    },
    keepRawBody,
  };
}
