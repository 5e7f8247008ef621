/**
 * The token request, RFC 5849 §2.3: checks 1–13, then the atomic redemption of the authorized
 * request token for an access token carrying the granted scopes, the verifier compared inside it.
 * Of concurrent exchanges with the right verifier, one wins; the others get `token_used`.
 */
import type { WireResponse } from '../problems/wire.js';
import { redeemVerifier } from './checks/check-verifier.js';
import type { CheckContext } from './context.js';
import { newCredential } from './credentials.js';
import { runChecks, TOKEN_CHECKS } from './endpoints.js';
import { formResponse } from './form-response.js';
import type { AccessToken } from './model.js';

export async function exchange(context: CheckContext): Promise<WireResponse> {
  await runChecks(context, TOKEN_CHECKS);
  const { config, now, requestToken } = context;
  if (!requestToken?.user) throw new Error('token checks passed without an authorized request token');
  const accessToken: AccessToken = {
    token: newCredential(config.randomBytes),
    secret: newCredential(config.randomBytes),
    consumerKey: requestToken.consumerKey,
    user: requestToken.user,
    scopes: requestToken.grantedScopes ?? [],
    createdAt: now,
    expiresAt: config.accessTokenTtl === undefined ? undefined : now + config.accessTokenTtl * 1000,
  };
  await redeemVerifier(context, accessToken);
  return formResponse([
    ['oauth_token', accessToken.token],
    ['oauth_token_secret', accessToken.secret],
  ]);
}
