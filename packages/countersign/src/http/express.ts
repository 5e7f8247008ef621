/**
 * The Express adapter: a middleware serving the token endpoints, and a `protect` middleware for
 * resources that puts what the request proves on `res.locals.oauth`. Mount it before body parsers
 * so it can read the raw body; if a form parser ran first, its flat result is re-encoded (the base
 * string sorts parameters, so order does not matter), and a nested value is `parameter_rejected`.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { percentEncode } from '../core/percent-encoding.js';
import { OAuthProblem } from '../problems/oauth-problem.js';
import type { Provider } from '../provider/provider.js';
import { isFormBody, type OAuthRequest } from '../provider/request.js';
import type { VerifyOptions } from '../provider/verify.js';
import { BodyTooLargeError, DEFAULT_BODY_LIMIT, fromNodeRequest, readBody, sendWire } from './node.js';
import { type AdapterOptions, DEFAULT_PATHS, endpointFor } from './paths.js';

export type { AdapterOptions, EndpointPaths } from './paths.js';

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

async function toOAuthRequest(req: Request, limit: number): Promise<OAuthRequest> {
  const parsed: unknown = req.body;
  if (Buffer.isBuffer(parsed) || typeof parsed === 'string') return fromExpressRequest(req, parsed);
  if (req.readable) return fromExpressRequest(req, await readBody(req, limit));
  const request = fromExpressRequest(req, undefined);
  if (parsed !== null && typeof parsed === 'object' && isFormBody(request)) {
    return { ...request, body: reencodeForm(parsed as Record<string, unknown>) };
  }
  return request;
}

/** How the adapter reads a request (raw body, or a parsed form re-encoded), for the Passport strategies. */
export { toOAuthRequest as readExpressRequest };

/** The Express adapter's two middlewares. */
export interface ExpressAdapter {
  /** Serves `POST /oauth/initiate` and `POST /oauth/token` (paths configurable). */
  readonly endpoints: RequestHandler;
  /**
   * Verifies a resource request needing `scope` (and a signed non-form body with `bodyHash:
   * 'required'`); sets `res.locals.oauth` and `res.locals.rawBody`.
   */
  protect(options?: VerifyOptions): RequestHandler;
}

/**
 * @example
 * ```ts
 * const oauth = expressAdapter(provider);
 * app.use(oauth.endpoints);
 * app.get('/api/me', oauth.protect({ scope: 'read_public' }), (req, res) => res.json({ user: res.locals.oauth.user }));
 * ```
 */
export function expressAdapter(provider: Provider, options: AdapterOptions = {}): ExpressAdapter {
  const paths = options.paths ?? DEFAULT_PATHS;
  const limit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const run = (
    handle: (request: OAuthRequest, res: Response, next: NextFunction) => Promise<void>,
  ): RequestHandler => {
    return (req, res, next) => {
      toOAuthRequest(req, limit)
        .then((request) =>
          handle(request, res, next).catch((error: unknown) =>
            sendWire(res, provider.errorResponse(error, request)),
          ),
        )
        .catch((error: unknown) => {
          if (error instanceof BodyTooLargeError)
            res.status(413).type('text/plain').send('Request body too large.');
          else sendWire(res, provider.errorResponse(error, fromExpressRequest(req, undefined)));
        });
    };
  };
  const endpointHandler = run(async (request, res) => {
    const endpoint = endpointFor(paths, request.target.split('?')[0] ?? '/');
    if (endpoint) sendWire(res, await provider[endpoint](request));
  });
  return {
    endpoints: (req, res, next) => {
      if (endpointFor(paths, req.path) === undefined) {
        next();
        return;
      }
      void endpointHandler(req, res, next);
    },
    protect: (protectOptions) =>
      run(async (request, res, next) => {
        res.locals.oauth = await provider.verify(request, protectOptions);
        res.locals.rawBody = request.body;
        next();
      }),
  };
}
