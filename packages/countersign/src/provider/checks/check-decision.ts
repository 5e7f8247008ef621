/**
 * Check 13, first half: at the token endpoint, the user has decided on the request token →
 * `permission_unknown` (not yet) or `permission_denied`.
 */
import { OAuthProblem } from '../../problems/oauth-problem.js';
import type { CheckContext } from '../context.js';

export function checkDecision({ requestToken }: CheckContext): void {
  if (requestToken?.state === 'pending') throw new OAuthProblem('permission_unknown');
  if (requestToken?.state === 'denied')
    throw new OAuthProblem('permission_denied', { advice: 'The user denied access.' });
}
