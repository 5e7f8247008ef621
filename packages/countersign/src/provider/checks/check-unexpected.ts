/** Check 6: no `oauth_*` parameter this endpoint does not take → `parameter_rejected`. */
import { OAuthProblem } from '../../problems/oauth-problem.js';
import type { CheckContext } from '../context.js';

export function checkUnexpected({ endpoint, oauth }: CheckContext): void {
  let unexpected: [string, string][] | undefined;
  for (const [name, value] of oauth) {
    if (name !== 'oauth_signature' && !endpoint.accepted.has(name)) (unexpected ??= []).push([name, value]);
  }
  if (unexpected === undefined) return;
  throw new OAuthProblem('parameter_rejected', {
    parametersRejected: unexpected,
    advice: `The ${endpoint.name} endpoint does not take ${unexpected.map(([n]) => n).join(', ')}; leave ${unexpected.length > 1 ? 'them' : 'it'} out.`,
  });
}
