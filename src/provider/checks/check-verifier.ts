/**
 * Check 13, second half: `oauth_verifier` matches (RFC 5849 §2.3), compared in constant time →
 * `verifier_invalid`. After five wrong verifiers the request token can no longer be exchanged, also
 * when the guesses come all at once: the store counts them atomically, and a right verifier is
 * taken only while fewer than five are counted.
 */
import { constantTimeEqual } from '../../core/signature-methods.js';
import { OAuthProblem } from '../../problems/oauth-problem.js';
import type { CheckContext } from '../context.js';

/** Wrong verifiers a request token survives. */
export const MAX_VERIFIER_FAILURES = 5;

export async function checkVerifier({ requestToken, oauth, config }: CheckContext): Promise<void> {
  if (!requestToken?.verifier) throw new Error('the decision must be checked before the verifier');
  if (requestToken.verifierFailures >= MAX_VERIFIER_FAILURES) throw deadToken();
  if (constantTimeEqual(oauth.get('oauth_verifier') ?? '', requestToken.verifier)) {
    // The token was read before this request waited for its nonce; wrong guesses sent with it may
    // have been counted since. Read afresh, this try comes after them.
    const current = await config.store.getRequestToken(requestToken.token);
    if ((current?.verifierFailures ?? MAX_VERIFIER_FAILURES) >= MAX_VERIFIER_FAILURES) throw deadToken();
    return;
  }
  const failures = await config.store.recordVerifierFailure(requestToken.token, MAX_VERIFIER_FAILURES);
  if (failures === undefined) throw deadToken();
  const left = MAX_VERIFIER_FAILURES - failures;
  throw new OAuthProblem('verifier_invalid', {
    advice:
      left > 0
        ? `oauth_verifier does not match; ${left} ${left === 1 ? 'try' : 'tries'} left for this request token.`
        : 'oauth_verifier does not match, and that was the last try: this request token is dead. Start the flow again.',
  });
}

function deadToken(): OAuthProblem {
  return new OAuthProblem('verifier_invalid', {
    advice: 'Too many wrong verifiers; this request token is dead. Start the flow again.',
  });
}
