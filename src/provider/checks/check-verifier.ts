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
  // Counted before it is compared, atomically in the store: the token read earlier in this request
  // may be stale, and of concurrent guesses no more than the limit may ever be compared.
  const attempt = await config.store.countVerifierAttempt(requestToken.token, MAX_VERIFIER_FAILURES);
  if (attempt === undefined) {
    throw new OAuthProblem('verifier_invalid', {
      advice: `Too many wrong verifiers; this request token is dead. Start the flow again.`,
    });
  }
  if (constantTimeEqual(oauth.get('oauth_verifier') ?? '', requestToken.verifier)) return;
  const left = MAX_VERIFIER_FAILURES - attempt;
  throw new OAuthProblem('verifier_invalid', {
    advice:
      left > 0
        ? `oauth_verifier does not match; ${left} ${left === 1 ? 'try' : 'tries'} left for this request token.`
        : 'oauth_verifier does not match, and that was the last try: this request token is dead. Start the flow again.',
  });
}
