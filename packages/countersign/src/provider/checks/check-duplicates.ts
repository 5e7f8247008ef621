/**
 * Check 3: each protocol parameter is sent once, in one place (RFC 5849 §3.5: "protocol parameters
 * … MUST NOT" be sent in more than one way) → `parameter_rejected` naming every occurrence.
 */
import type { Parameter } from '../../core/parameters.js';
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
    throw new OAuthProblem('parameter_rejected', {
      parametersRejected: offending.map((p) => [p.name, p.value]),
      advice: duplicatesAdvice(offending),
    });
  }
  context.oauth = oauth;
}

const TIMES = ['', '', 'twice', 'three times'];

/**
 * Says where each repeated parameter was sent, naming together those sent the same way:
 * "oauth_nonce and oauth_timestamp twice in the query; oauth_token in the header and in the body".
 */
export function duplicatesAdvice(offending: readonly Parameter[]): string {
  const places = new Map<string, Map<string, number>>();
  for (const { name, source } of offending) {
    const counts = places.get(name) ?? new Map<string, number>();
    counts.set(source, (counts.get(source) ?? 0) + 1);
    places.set(name, counts);
  }
  const byWay = new Map<string, string[]>();
  for (const [name, counts] of places) {
    const way = [...counts]
      .map(([source, n]) => `${n === 1 ? '' : `${TIMES[n] ?? `${n} times`} `}in the ${source}`)
      .join(' and ');
    byWay.set(way, [...(byWay.get(way) ?? []), name]);
  }
  const where = [...byWay].map(([way, names]) => `${listed(names)} ${way}`).join('; ');
  // Every repetition within one place: the client added its parameters again.
  const again = [...places.values()].every((counts) => counts.size === 1)
    ? ' Each is repeated within one place, as happens when a client adds its parameters to a request that already has them.'
    : '';
  return `Send each protocol parameter once and in one place; this request has ${where}.${again}`;
}

function listed(names: readonly string[]): string {
  return names.length === 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1) ?? ''}`;
}
