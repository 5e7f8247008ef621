/**
 * A request to a protected resource, RFC 5849 §3.2: checks 1–12 and the scope the resource needs.
 * Three-legged with an access token, or consumer-only (two-legged) for consumers enabled for it.
 */
import { checkScope } from './checks/check-scope.js';
import type { CheckContext, Endpoint } from './context.js';
import { RESOURCE, RESOURCE_REQUIRING_BODY_HASH, runChecks, SIGNED_REQUEST_CHECKS } from './endpoints.js';
import { andThen, type MaybePromise } from './maybe-promise.js';
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

/**
 * What a protected resource asks of a request besides a valid signature.
 *
 * @example
 * ```ts
 * await provider.verify(request, { scope: 'write_private', bodyHash: 'required' });
 * ```
 */
export interface VerifyOptions {
  /**
   * The scope the resource needs; none when absent.
   *
   * @defaultValue `undefined`: any scope the token was granted will do
   */
  readonly scope?: string | undefined;
  /**
   * `required`: a non-form body must carry `oauth_body_hash`, so that it is covered by the
   * signature (else `parameter_absent`); `optional` (the default) leaves it to the provider-wide
   * `bodyHash` option. A form body is signed as parameters either way.
   *
   * @defaultValue `'optional'`
   */
  readonly bodyHash?: 'optional' | 'required' | undefined;
}

/**
 * The resource endpoint for these options: the one that requires `oauth_body_hash`, or the plain
 * one; `undefined` for a `bodyHash` of neither kind (from a caller without types).
 */
export function resourceEndpoint(options: VerifyOptions | undefined): Endpoint | undefined {
  const bodyHash = options?.bodyHash;
  if (bodyHash === undefined || bodyHash === 'optional') return RESOURCE;
  return bodyHash === 'required' ? RESOURCE_REQUIRING_BODY_HASH : undefined;
}

/** How often `lastUsedAt` is written for a busy token. */
const TOUCH_INTERVAL_MS = 60_000;

export function verify(context: CheckContext, scope: string | undefined): MaybePromise<VerifiedRequest> {
  return andThen(runChecks(context, SIGNED_REQUEST_CHECKS), () => verified(context, scope));
}

/** The non-protocol parameters of a checked request: its query and form body, decoded. */
export function signedParameters(context: CheckContext): VerifiedRequest['parameters'] {
  return context.parameters.filter((p) => p.source !== 'header' && !p.name.startsWith('oauth_'));
}

/** After checks 1–12: the scope, then what the request proves. */
function verified(context: CheckContext, scope: string | undefined): MaybePromise<VerifiedRequest> {
  checkScope(context, scope);
  const { consumer, accessToken, config, now } = context;
  if (!consumer) throw new Error('resource checks passed without a consumer');
  const parameters = signedParameters(context);
  const result: VerifiedRequest = accessToken
    ? {
        consumer,
        user: accessToken.user,
        accessToken,
        scopes: accessToken.scopes,
        twoLegged: false,
        parameters,
      }
    : { consumer, scopes: consumer.scopes, twoLegged: true, parameters };
  if (
    accessToken &&
    (accessToken.lastUsedAt === undefined || now - accessToken.lastUsedAt >= TOUCH_INTERVAL_MS)
  ) {
    return andThen(config.store.touchAccessToken(accessToken.token, now), () => result);
  }
  return result;
}
