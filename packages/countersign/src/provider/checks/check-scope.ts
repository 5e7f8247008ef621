/**
 * Check 14: at a protected resource, the scope it needs → `permission_denied` when the consumer may
 * never hold it, `additional_authorization_required` when the token was not granted it.
 */
import { OAuthProblem } from '../../problems/oauth-problem.js';
import type { CheckContext } from '../context.js';

export function checkScope(context: CheckContext, scope: string | undefined): void {
  if (scope === undefined) return;
  const { consumer, accessToken } = context;
  if (!consumer?.scopes.includes(scope)) {
    throw new OAuthProblem('permission_denied', {
      advice: `This resource needs the scope ${scope}, which this consumer may never hold.`,
    });
  }
  if (accessToken && !accessToken.scopes.includes(scope)) {
    throw new OAuthProblem('additional_authorization_required', {
      advice: `This resource needs the scope ${scope}, which the user did not grant; authorize again requesting ${scope}.`,
    });
  }
}
