/**
 * Check 6: no `oauth_*` parameter this endpoint does not take → `parameter_rejected`. A launch also
 * takes `oauth_callback=about:blank` (LTI 1.1), and only that value: it is looked at only once the
 * name is found missing from `accepted`, so no other request pays for it.
 */
import { OAuthProblem } from '../../problems/oauth-problem.js';
import type { CheckContext, Endpoint } from '../context.js';

function isLaunchCallback(endpoint: Endpoint, name: string, value: string): boolean {
  return endpoint.aboutBlankCallback && name === 'oauth_callback' && value === 'about:blank';
}

export function checkUnexpected({ endpoint, oauth }: CheckContext): void {
  let unexpected: [string, string][] | undefined;
  for (const [name, value] of oauth) {
    if (
      name !== 'oauth_signature' &&
      !endpoint.accepted.has(name) &&
      !isLaunchCallback(endpoint, name, value)
    )
      (unexpected ??= []).push([name, value]);
  }
  if (unexpected === undefined) return;
  throw new OAuthProblem('parameter_rejected', {
    parametersRejected: unexpected,
    advice: unexpectedAdvice(endpoint, unexpected),
  });
}

function unexpectedAdvice(endpoint: Endpoint, unexpected: readonly (readonly [string, string])[]): string {
  const names = unexpected.map(([n]) => n);
  const advice = `The ${endpoint.name} endpoint does not take ${names.join(', ')}; leave ${names.length > 1 ? 'them' : 'it'} out.`;
  if (!endpoint.aboutBlankCallback || !names.includes('oauth_callback')) return advice;
  return `${advice} A launch may carry oauth_callback only as about:blank, the value LTI 1.1 has the LMS send.`;
}
