/**
 * Check 10: the token → `token_rejected` (unknown, another consumer's, the wrong kind),
 * `token_used`, `token_expired`, `token_revoked`, `user_refused`. A protected resource takes an access
 * token (or none, for a consumer-only request); the token endpoint takes an authorized request token.
 */
import { OAuthProblem } from '../../problems/oauth-problem.js';
import type { AccessToken, RequestToken } from '../model.js';
import type { CheckContext } from '../context.js';
import { andThen, type MaybePromise } from '../maybe-promise.js';
import { spendSignatureTime } from './check-signature.js';

/** Token and user reads follow the consumer read of the same request (see `ReadOptions`). */
const SAME_REQUEST = { sameRequest: true } as const;

function rejected(advice: string): OAuthProblem {
  return new OAuthProblem('token_rejected', { advice });
}

const refusedIf = (suspended: boolean) => (suspended ? new OAuthProblem('user_refused') : undefined);

function userRefused(
  context: CheckContext,
  name: string | undefined,
): MaybePromise<OAuthProblem | undefined> {
  if (name === undefined) return undefined;
  return andThen(context.config.isSuspended(name, SAME_REQUEST), refusedIf);
}

function accessTokenProblem(
  context: CheckContext,
  token: AccessToken | undefined,
  value: string,
): MaybePromise<OAuthProblem | undefined> {
  if (!token) {
    return andThen(context.config.store.getRequestToken(value), (requestToken) =>
      rejected(
        requestToken?.consumerKey === context.consumer?.key
          ? 'This is a request token; exchange it for an access token at the token endpoint first.'
          : 'No access token of this consumer has this value.',
      ),
    );
  }
  if (token.consumerKey !== context.consumer?.key)
    return rejected('No access token of this consumer has this value.');
  if (token.expiresAt !== undefined && token.expiresAt <= context.now)
    return new OAuthProblem('token_expired');
  if (token.revokedAt !== undefined) return new OAuthProblem('token_revoked');
  return userRefused(context, token.user);
}

function requestTokenProblem(
  context: CheckContext,
  token: RequestToken | undefined,
  value: string,
): MaybePromise<OAuthProblem | undefined> {
  if (!token) {
    return andThen(context.config.store.getAccessToken(value, SAME_REQUEST), (accessToken) =>
      accessToken?.consumerKey === context.consumer?.key
        ? new OAuthProblem('token_used', {
            advice: 'This is an access token; it is used at protected resources, not exchanged.',
          })
        : rejected('No request token of this consumer has this value.'),
    );
  }
  if (token.consumerKey !== context.consumer?.key)
    return rejected('No request token of this consumer has this value.');
  if (token.state === 'exchanged') {
    return new OAuthProblem('token_used', {
      advice: 'This request token was already exchanged; start the flow again.',
    });
  }
  if (token.expiresAt <= context.now) {
    return new OAuthProblem('token_expired', {
      advice: 'This request token has expired; start the flow again.',
    });
  }
  return userRefused(context, token.state === 'authorized' ? token.user : undefined);
}

/** Throws `problem`, if there is one, after spending the time a signature check takes. */
function refuse(context: CheckContext, problem: OAuthProblem | undefined): void {
  if (!problem) return;
  spendSignatureTime(context);
  throw problem;
}

export function loadToken(context: CheckContext): void | PromiseLike<void> {
  const value = context.oauth.get('oauth_token') ?? '';
  if (value === '') return;
  const { store } = context.config;
  if (context.endpoint.name === 'resource') {
    return andThen(store.getAccessToken(value, SAME_REQUEST), (token) => {
      if (token) context.accessToken = token;
      return andThen(accessTokenProblem(context, token, value), (problem) => refuse(context, problem));
    });
  }
  return andThen(store.getRequestToken(value), (token) => {
    if (token) context.requestToken = token;
    return andThen(requestTokenProblem(context, token, value), (problem) => refuse(context, problem));
  });
}
