/**
 * What every adapter hands an application that answers refusals itself (`onRefused`), and what
 * an adapter does when the host application's body parser read a body before the adapter could.
 */
import { isOAuthProblem, OAuthProblem } from '../problems/oauth-problem.js';
import type { WireResponse } from '../problems/wire.js';
import { asProblem } from '../provider/input-problem.js';
import type { Provider } from '../provider/provider.js';
import { isFormBody, type OAuthRequest } from '../provider/request.js';
import type { VerifyOptions } from '../provider/verify.js';

/**
 * A refused resource request, as `onRefused` receives it.
 *
 * @example
 * ```ts
 * const oauth = expressAdapter(provider, {
 *   onRefused: (refusal, _req, res) => res.status(refusal.response.status).render('refused', refusal),
 * });
 * ```
 */
export interface Refusal {
  /**
   * Why it was refused, when that is an OAuth problem; `undefined` for a body over the limit
   * (413) or a failure of the server's own (503 for an unavailable store, else 500).
   */
  readonly problem: OAuthProblem | undefined;
  /**
   * The refusal as an error, always set: the `OAuthProblem`, else an `Error` whose `status` and
   * `statusCode` are the response's (413, 500 or 503) and whose message and stack say no more than
   * the response does. Express's `next(refusal.error)` answers with that status.
   */
  readonly error: OAuthProblem | (Error & { readonly status: number; readonly statusCode: number });
  /** The response the adapter sends when the application does not answer itself. */
  readonly response: WireResponse;
}

/**
 * A refusal that is not an OAuth problem, as an error an error middleware understands: `status`
 * and `statusCode` as Express's and Fastify's error handlers read them, no detail of the cause.
 */
class RefusalError extends Error {
  override readonly name = 'RefusalError';
  readonly status: number;
  readonly statusCode: number;
  /** Read by Express's error handler: the message may be shown even for a 5xx, it says nothing. */
  readonly expose = true;

  constructor(status: number, message: string) {
    super(message);
    this.status = status;
    this.statusCode = status;
    // Error pages in development show the stack: this one says only what the response says.
    this.stack = `${this.name}: ${message}`;
  }
}

function refusalError(response: WireResponse): RefusalError {
  const message = typeof response.body === 'string' && response.body !== '' ? response.body : 'Refused.';
  return new RefusalError(response.status, message);
}

/** The refusal for an error that `provider.verify` (or reading the request) threw. */
export function refusalFor(provider: Provider, error: unknown, request: OAuthRequest): Refusal {
  const problem = asProblem(error);
  const response = provider.errorResponse(error, request);
  return isOAuthProblem(problem)
    ? { problem, error: problem, response }
    : { problem: undefined, error: refusalError(response), response };
}

const TOO_LARGE_RESPONSE: WireResponse = {
  status: 413,
  headers: { 'content-type': 'text/plain; charset=utf-8', connection: 'close' },
  body: 'Request body too large.',
};

/** A body over the adapter's limit. */
export const TOO_LARGE: Refusal = {
  problem: undefined,
  error: refusalError(TOO_LARGE_RESPONSE),
  response: TOO_LARGE_RESPONSE,
};

/**
 * Whether verifying a request needs the exact bytes of its body: a form body is signed as
 * parameters, and a body hash covers the bytes, whether the client sent one or the route or the
 * whole provider requires one. Any other body is not signed, so one that a parser read first can
 * be left out.
 */
export function needsBodyBytes(
  provider: Provider,
  request: OAuthRequest,
  options: VerifyOptions | undefined,
): boolean {
  if (provider.bodyHash === 'required' || options?.bodyHash === 'required' || isFormBody(request)) {
    return true;
  }
  const authorization = request.headers.authorization;
  return (
    String(authorization ?? '').includes('oauth_body_hash') || request.target.includes('oauth_body_hash')
  );
}

/** Whether the request's head says a body was sent (a Content-Length over 0, or a Transfer-Encoding). */
export function bodySent(headers: OAuthRequest['headers']): boolean {
  return Number(headers['content-length'] ?? 0) > 0 || headers['transfer-encoding'] !== undefined;
}

/**
 * The problem for a body the host application parsed before the adapter saw its bytes, with
 * `advice` saying what the application must change: without it the request would fail as a
 * misleading body hash or signature mismatch. `parameter_rejected` (400) with no parameter named,
 * since no parameter the client sent is at fault.
 */
export function bodyAlreadyParsed(advice: string): OAuthProblem {
  return new OAuthProblem('parameter_rejected', {
    advice: `This server parsed the request body before verifying it, so its exact bytes are gone. ${advice}`,
  });
}
