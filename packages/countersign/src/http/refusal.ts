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
  /** The response the adapter sends when the application does not answer itself. */
  readonly response: WireResponse;
}

/** The refusal for an error that `provider.verify` (or reading the request) threw. */
export function refusalFor(provider: Provider, error: unknown, request: OAuthRequest): Refusal {
  const problem = asProblem(error);
  return {
    problem: isOAuthProblem(problem) ? problem : undefined,
    response: provider.errorResponse(error, request),
  };
}

/** A body over the adapter's limit. */
export const TOO_LARGE: Refusal = {
  problem: undefined,
  response: {
    status: 413,
    headers: { 'content-type': 'text/plain; charset=utf-8', connection: 'close' },
    body: 'Request body too large.',
  },
};

/**
 * Whether verifying a request needs the exact bytes of its body: a form body is signed as
 * parameters, and a body hash covers the bytes. Any other body is not signed, so one that a
 * parser read first can be left out.
 */
export function needsBodyBytes(request: OAuthRequest, options: VerifyOptions | undefined): boolean {
  if (options?.bodyHash === 'required' || isFormBody(request)) return true;
  const authorization = request.headers.authorization;
  return (
    String(authorization ?? '').includes('oauth_body_hash') || request.target.includes('oauth_body_hash')
  );
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
