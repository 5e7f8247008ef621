/**
 * Resource-owner authorization, RFC 5849 §2.2, as two calls for a consent UI that lives outside
 * the protocol code: `authorization` says what is being asked, `decide` records the user's answer
 * and says where to send the user (the callback with `oauth_verifier`, or a PIN for `oob`).
 */
import { OAuthProblem } from '../problems/oauth-problem.js';
import { newCredential, newPin } from './credentials.js';
import { ProviderInputError } from './errors.js';
import type { Consumer, RequestToken } from './model.js';
import type { ProviderConfig } from './options.js';

/** What the consent page shows. */
export interface AuthorizationRequest {
  readonly requestToken: RequestToken;
  readonly consumer: Consumer;
  /** The scopes asked for, each to be shown to the user. */
  readonly scopes: readonly string[];
  /** `oob`, or the callback URL's host, for the page to name. */
  readonly callbackHost: string;
}

/** The user's answer. */
export interface UserDecision {
  /**
   * Who decides: the id the application authenticated the user as, its own way. The store need not
   * hold this user; the engine only asks whether it is suspended (the `users` option of
   * `createProvider`, else the store's users) and records it on the tokens granted.
   */
  readonly user: string;
  readonly approve: boolean;
  /** The scopes granted (a subset of those requested); default: all requested. */
  readonly scopes?: readonly string[] | undefined;
}

/** Where the user goes next. */
export interface DecisionOutcome {
  readonly state: 'authorized' | 'denied';
  /** The callback URL to redirect to; absent for `oob`. */
  readonly redirect?: string;
  /** The verifier; for `oob` it is the 8-digit PIN to show. */
  readonly verifier?: string;
}

/** Loads a request token that is still waiting for the user → 12 / 10 / 9, and its active consumer. */
export async function authorization(config: ProviderConfig, token: string): Promise<AuthorizationRequest> {
  const requestToken = await config.store.getRequestToken(token);
  if (!requestToken) throw new OAuthProblem('token_rejected', { advice: 'No request token has this value.' });
  if (requestToken.expiresAt <= config.clock()) {
    throw new OAuthProblem('token_expired', {
      advice: 'This request token has expired; start the flow again.',
    });
  }
  if (requestToken.state !== 'pending') {
    throw new OAuthProblem('token_used', { advice: 'The user has already decided on this request token.' });
  }
  const consumer = await config.store.getConsumer(requestToken.consumerKey);
  if (!consumer || consumer.status === 'disabled') throw new OAuthProblem('consumer_key_rejected');
  if (consumer.status === 'suspended') throw new OAuthProblem('consumer_key_refused');
  const callbackHost = requestToken.callback === 'oob' ? 'oob' : new URL(requestToken.callback).host;
  return { requestToken, consumer, scopes: requestToken.scopes, callbackHost };
}

function withQuery(callback: string, pairs: Record<string, string>): string {
  const url = new URL(callback);
  for (const [name, value] of Object.entries(pairs)) url.searchParams.append(name, value);
  return url.toString();
}

/**
 * Records the user's decision on a pending request token; a suspended user is refused as
 * `user_refused`.
 */
export async function decide(
  config: ProviderConfig,
  token: string,
  decision: UserDecision,
): Promise<DecisionOutcome> {
  const user = decision?.user;
  if (typeof user !== 'string' || user === '')
    throw new ProviderInputError('invalid_user', 'the deciding user is a non-empty string');
  const { requestToken } = await authorization(config, token);
  if (await config.isSuspended(user)) throw new OAuthProblem('user_refused');
  const oob = requestToken.callback === 'oob';
  if (!decision.approve) {
    if (!(await config.store.decideRequestToken(token, { state: 'denied', user }))) {
      throw new OAuthProblem('token_used', { advice: 'The user has already decided on this request token.' });
    }
    return oob
      ? { state: 'denied' }
      : {
          state: 'denied',
          redirect: withQuery(requestToken.callback, {
            oauth_token: token,
            oauth_problem: 'permission_denied',
          }),
        };
  }
  const grantedScopes = decision.scopes ?? requestToken.scopes;
  const extra = grantedScopes.filter((s) => !requestToken.scopes.includes(s));
  if (extra.length > 0) throw new ProviderInputError('invalid_scope', `not requested: ${extra.join(', ')}`);
  const verifier = oob ? newPin(config.randomBytes) : newCredential(config.randomBytes);
  const decided = await config.store.decideRequestToken(token, {
    state: 'authorized',
    user,
    grantedScopes: [...grantedScopes],
    verifier,
  });
  if (!decided)
    throw new OAuthProblem('token_used', { advice: 'The user has already decided on this request token.' });
  return oob
    ? { state: 'authorized', verifier }
    : {
        state: 'authorized',
        verifier,
        redirect: withQuery(requestToken.callback, { oauth_token: token, oauth_verifier: verifier }),
      };
}
