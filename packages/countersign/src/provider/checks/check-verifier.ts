/**
 * Check 13, second half: `oauth_verifier` matches (RFC 5849 §2.3), compared in constant time →
 * `verifier_invalid`. After five wrong verifiers the request token can no longer be exchanged, also
 * when the guesses come all at once: the verifier is compared inside the store's redemption of the
 * token, which runs one attempt after another per request token, so the sixth guess is never
 * compared, and a right verifier is taken only if fewer than five wrong ones came before it.
 */
import { constantTimeEqual } from '../../core/signature-methods.js';
import { OAuthProblem } from '../../problems/oauth-problem.js';
import type { Redemption } from '../store.js';
import type { CheckContext } from '../context.js';
import type { AccessToken } from '../model.js';

/** Wrong verifiers a request token survives. */
export const MAX_VERIFIER_FAILURES = 5;

/**
 * The check in the token endpoint's table: a request token already dead in the read made for this
 * request is refused here, before any other work. The comparison itself is {@link redeemVerifier}'s.
 */
export function checkVerifier({ requestToken }: CheckContext): void {
  if (!requestToken?.verifier) throw new Error('the decision must be checked before the verifier');
  if (requestToken.verifierFailures >= MAX_VERIFIER_FAILURES) throw deadToken();
}

/**
 * Exchanges the request token for `accessToken` if `oauth_verifier` matches, comparing and counting
 * in the store's one atomic step; throws `verifier_invalid` for a wrong verifier or a dead token,
 * and `token_used` for a token no longer authorized (exchanged by a concurrent request, say).
 */
export async function redeemVerifier(
  { requestToken, oauth, config }: CheckContext,
  accessToken: AccessToken,
): Promise<void> {
  if (!requestToken) throw new Error('the request token must be loaded before it is redeemed');
  const sent = oauth.get('oauth_verifier') ?? '';
  const redemption = await config.store.redeemRequestToken(requestToken.token, {
    matches: (stored) => constantTimeEqual(sent, stored),
    limit: MAX_VERIFIER_FAILURES,
    accessToken,
  });
  if (redemption.outcome !== 'exchanged') throw refusal(redemption);
}

function refusal(redemption: Exclude<Redemption, { outcome: 'exchanged' }>): OAuthProblem {
  if (redemption.outcome === 'used') {
    return new OAuthProblem('token_used', {
      advice: 'This request token was already exchanged; start the flow again.',
    });
  }
  if (redemption.outcome === 'dead') return deadToken();
  const left = MAX_VERIFIER_FAILURES - redemption.failures;
  return new OAuthProblem('verifier_invalid', {
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
