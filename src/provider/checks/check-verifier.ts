/**
 * Check 13, second half: `oauth_verifier` matches (RFC 5849 §2.3), compared in constant time →
 * `verifier_invalid`. After five wrong verifiers the request token can no longer be exchanged.
 */
import { constantTimeEqual } from '../../core/signature-methods.js';
import { OAuthProblem } from '../../problems/oauth-problem.js';
import type { CheckContext } from '../context.js';

/** Wrong verifiers a request token survives. */
export const MAX_VERIFIER_FAILURES = 5;

export async function checkVerifier({ requestToken, oauth, config }: CheckContext): Promise<void> {
  if (!requestToken?.verifier) throw new Error('the decision must be checked before the verifier');
  if (requestToken.verifierFailures >= MAX_VERIFIER_FAILURES) {
    throw new OAuthProblem('verifier_invalid', {
      advice: `Too many wrong verifiers; this request token is dead. Start the flow again.`,
    });
  }
  if (constantTimeEqual(oauth.get('oauth_verifier') ?? '', requestToken.verifier)) return;
  const failures = await config.store.recordVerifierFailure(requestToken.token);
  const left = Math.max(0, MAX_VERIFIER_FAILURES - failures);
  throw new OAuthProblem('verifier_invalid', {
    advice:
      left > 0
        ? `oauth_verifier does not match; ${left} ${left === 1 ? 'try' : 'tries'} left for this request token.`
        : 'oauth_verifier does not match, and that was the last try: this request token is dead. Start the flow again.',
  });
}
