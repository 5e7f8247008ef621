/**
 * Check 3: each protocol parameter is sent once, in one place (RFC 5849 §3.5: "protocol parameters
 * … MUST NOT" be sent in more than one way) → `parameter_rejected` naming every occurrence.
 */
import { OAuthProblem } from '../../problems/oauth-problem.js';
import type { CheckContext } from '../context.js';

export function checkDuplicates(context: CheckContext): void {
  const oauth = new Map<string, string>();
  let repeated: Set<string> | undefined;
  for (const { name, value } of context.parameters) {
    if (!name.startsWith('oauth_')) continue;
    if (oauth.has(name)) (repeated ??= new Set()).add(name);
    else oauth.set(name, value);
  }
  if (repeated) {
    const twice = repeated;
    const offending = context.parameters.filter((p) => twice.has(p.name));
    const where = offending.map((p) => `${p.name} in the ${p.source}`).join(', ');
    throw new OAuthProblem('parameter_rejected', {
      parametersRejected: offending.map((p) => [p.name, p.value]),
      advice: `Send each protocol parameter once and in one place; this request has ${where}.`,
    });
  }
  context.oauth = oauth;
}
