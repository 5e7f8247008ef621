/**
 * A request to a protected resource, RFC 5849 §3.2: checks 1–12 and the scope the resource needs.
 * Three-legged with an access token, or consumer-only (two-legged) for consumers enabled for it.
 */
import { checkScope } from './checks/check-scope.js';
import type { CheckContext } from './context.js';
import { runChecks, SIGNED_REQUEST_CHECKS } from './endpoints.js';
import type { AccessToken, Consumer } from './model.js';

/** What a verified request proves. */
export interface VerifiedRequest {
  readonly consumer: Consumer;
  /** The resource owner, for a three-legged request. */
  readonly user?: string;
  readonly accessToken?: AccessToken;
  /** The scopes the request may use: the token's, or the consumer's for a two-legged request. */
  readonly scopes: readonly string[];
  readonly twoLegged: boolean;
  /** The non-protocol parameters of the request (query and form body), decoded. */
  readonly parameters: readonly { readonly name: string; readonly value: string }[];
}

/** How often `lastUsedAt` is written for a busy token. */
const TOUCH_INTERVAL_MS = 60_000;

export async function verify(context: CheckContext, scope: string | undefined): Promise<VerifiedRequest> {
  await runChecks(context, SIGNED_REQUEST_CHECKS);
  checkScope(context, scope);
  const { consumer, accessToken, config, now } = context;
  if (!consumer) throw new Error('resource checks passed without a consumer');
  if (
    accessToken &&
    (accessToken.lastUsedAt === undefined || now - accessToken.lastUsedAt >= TOUCH_INTERVAL_MS)
  ) {
    await config.store.touchAccessToken(accessToken.token, now);
  }
  const parameters = context.parameters.filter((p) => p.source !== 'header' && !p.name.startsWith('oauth_'));
  return accessToken
    ? {
        consumer,
        user: accessToken.user,
        accessToken,
        scopes: accessToken.scopes,
        twoLegged: false,
        parameters,
      }
    : { consumer, scopes: consumer.scopes, twoLegged: true, parameters };
}
