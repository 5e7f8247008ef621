/**
 * The temporary credential request, RFC 5849 §2.1: checks 1–12, the callback and the requested
 * scopes, then a new request token answered with `oauth_callback_confirmed=true`.
 */
import type { WireResponse } from '../problems/wire.js';
import { requestedScopes } from './checks/check-requested-scopes.js';
import type { CheckContext } from './context.js';
import { newCredential } from './credentials.js';
import { INITIATE_CHECKS, runChecks } from './endpoints.js';
import { formResponse } from './form-response.js';

export async function initiate(context: CheckContext): Promise<WireResponse> {
  await runChecks(context, INITIATE_CHECKS);
  const { config, now, consumer } = context;
  if (!consumer) throw new Error('initiate checks passed without a consumer');
  const token = {
    token: newCredential(config.randomBytes),
    secret: newCredential(config.randomBytes),
    consumerKey: consumer.key,
    callback: context.oauth.get('oauth_callback') ?? 'oob',
    scopes: requestedScopes(context),
    state: 'pending' as const,
    verifierFailures: 0,
    createdAt: now,
    expiresAt: now + config.requestTokenTtl * 1000,
  };
  await config.store.createRequestToken(token);
  return formResponse([
    ['oauth_token', token.token],
    ['oauth_token_secret', token.secret],
    ['oauth_callback_confirmed', 'true'],
  ]);
}
