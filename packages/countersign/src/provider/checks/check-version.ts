/** Check 4: `oauth_version`, if present, is `1.0` (RFC 5849 §3.1) → `version_rejected`. */
import { OAuthProblem } from '../../problems/oauth-problem.js';
import type { CheckContext } from '../context.js';

export function checkVersion({ oauth }: CheckContext): void {
  const version = oauth.get('oauth_version');
  if (version === undefined || version === '1.0') return;
  throw new OAuthProblem('version_rejected', {
    advice: `oauth_version is ${JSON.stringify(version)}; send 1.0 or leave it out.`,
  });
}
