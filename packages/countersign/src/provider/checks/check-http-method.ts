/** Check 1: the HTTP method is allowed at this endpoint → `method_not_allowed` with `Allow`. */
import { OAuthProblem } from '../../problems/oauth-problem.js';
import type { CheckContext } from '../context.js';

export function checkHttpMethod({ endpoint, request }: CheckContext): void {
  const allowed = endpoint.methods;
  if (allowed === undefined || allowed.includes(request.method.toUpperCase())) return;
  throw new OAuthProblem('method_not_allowed', {
    allow: allowed,
    advice: `${request.method} is not allowed here; use ${allowed.join(' or ')}.`,
  });
}
