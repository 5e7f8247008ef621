/**
 * `createProvider`: the engine an application embeds. It serves the two token endpoints, verifies
 * protected-resource requests, exposes the two calls a consent UI needs and the lifecycle operations
 * an admin UI needs, and renders problems.
 */
import { isOAuthProblem, type OAuthProblem } from '../problems/oauth-problem.js';
import { renderProblem } from '../problems/render.js';
import type { WireResponse } from '../problems/wire.js';
import {
  type AuthorizationRequest,
  authorization,
  type DecisionOutcome,
  decide,
  type UserDecision,
} from './authorize.js';
import { type ConsumerChanges, type ConsumerRegistration, newConsumer } from './consumers.js';
import { type CheckContext, type Endpoint, type EndpointName, newCheckContext } from './context.js';
import { INITIATE, LAUNCH, LAUNCH_CHECKS, runChecks, TOKEN } from './endpoints.js';
import { diagnoseSignature, type SignatureDiagnosis } from './diagnose.js';
import { ProviderInputError, StoreUnavailableError } from './errors.js';
import { exchange } from './exchange.js';
import {
  type CredentialsImport,
  type ImportOptions,
  type ImportSummary,
  importCredentials,
} from './import-credentials.js';
import { initiate } from './initiate.js';
import { asProblem } from './input-problem.js';
import {
  addUser,
  adminStore,
  deleteConsumer,
  endPreviousSecret,
  type RotateOptions,
  revokeToken,
  rotateSecret,
  setStatus,
  setUserStatus,
  updateConsumer,
} from './lifecycle.js';
import { andThen, type MaybePromise } from './maybe-promise.js';
import type { Consumer, User } from './model.js';
import { type ProviderConfig, type ProviderOptions, resolveOptions } from './options.js';
import { type OAuthRequest, requestUri, singleHeader } from './request.js';
import {
  signedParameters,
  resourceEndpoint,
  type VerifiedRequest,
  type VerifyOptions,
  verify,
} from './verify.js';

/**
 * An OAuth 1.0a provider. The lifecycle operations (`registerConsumer` to `resumeUser`) call the
 * store's admin part (`AdminStore`); on a store that implements only `EngineStore` they reject with
 * a `TypeError` naming the method it lacks.
 */
export interface Provider {
  /** `POST /oauth/initiate`: answers with a request token, or a problem. */
  initiate(request: OAuthRequest): Promise<WireResponse>;
  /** `POST /oauth/token`: answers with an access token, or a problem. */
  token(request: OAuthRequest): Promise<WireResponse>;
  /**
   * Verifies a protected-resource request needing `scope` (and, with `bodyHash: 'required'`, a
   * signed non-form body); throws an `OAuthProblem` if refused.
   */
  verify(request: OAuthRequest, options?: VerifyOptions): Promise<VerifiedRequest>;
  /**
   * Verifies the signature of an LTI 1.1 launch (a form POST from an LMS): checks 1–12 for a
   * consumer registered with `lti: true`, consumer-only, `oauth_callback=about:blank` allowed. Then
   * `read` gets what the request proves, and its answer is returned; an `OAuthProblem` it throws is
   * the launch's refusal, reported to `onProblem` like any other. `countersign/lti` reads the
   * launch's own parameters there (`verifyLaunch`), which is the way to use this.
   *
   * @example
   * ```ts
   * const resourceLink = await provider.verifyLaunch(request, (v) => v.parameters.find((p) => p.name === 'resource_link_id'));
   * ```
   */
  verifyLaunch<T>(request: OAuthRequest, read: (verified: VerifiedRequest) => T): Promise<T>;
  /** What the consent page shows for a request token; throws an `OAuthProblem` if it cannot be decided. */
  authorization(requestToken: string): Promise<AuthorizationRequest>;
  /**
   * Records the user's decision on a request token. `decision.user` is whoever the application
   * authenticated, its own way: the store need not hold them. Throws `OAuthProblem` `user_refused`
   * if that user is suspended (the `users` option, else the store's users), `ProviderInputError`
   * `invalid_user` for an empty id and `invalid_scope` for a scope not requested.
   *
   * @example
   * ```ts
   * const { redirect, verifier } = await provider.decide(token, { user: session.userId, approve: true });
   * ```
   */
  decide(requestToken: string, decision: UserDecision): Promise<DecisionOutcome>;
  /**
   * Registers a consumer with a fresh secret, and a fresh key unless `registration.key` chooses one.
   * Throws `ProviderInputError` `invalid_consumer` for a bad registration, `key_taken` for a chosen
   * key another consumer has.
   *
   * @example
   * ```ts
   * const { key, secret } = await provider.registerConsumer({ name: 'Moodle', owner: 'admin', lti: true, key: 'moodle-school-a' });
   * ```
   */
  registerConsumer(registration: ConsumerRegistration): Promise<Consumer>;
  /**
   * Changes a consumer's settings (name, description, callback, scopes, signature methods,
   * two-legged use, RSA public key), checked as a registration is. Returns the consumer as stored.
   * Throws `ProviderInputError` `unknown_consumer` or `invalid_consumer`.
   *
   * @example
   * ```ts
   * await provider.updateConsumer(key, { callback: 'https://printer.example/ready', rsaPublicKey: null });
   * ```
   */
  updateConsumer(key: string, changes: ConsumerChanges): Promise<Consumer>;
  /**
   * Gives a consumer a fresh secret. Without a grace period the old one no longer verifies; with
   * `gracePeriod` (seconds) it still does until then, as `previousSecret`, and each request it signs
   * is reported to `onPreviousSecret`. Returns the consumer as stored. Throws `ProviderInputError`
   * `unknown_consumer` or `invalid_grace_period`.
   *
   * @example
   * ```ts
   * const { secret, previousSecret } = await provider.rotateConsumerSecret(key, { gracePeriod: 3600 });
   * ```
   */
  rotateConsumerSecret(key: string, options?: RotateOptions): Promise<Consumer>;
  /**
   * Ends the grace period of the consumer's previous secret now: only the current secret verifies.
   * Throws `ProviderInputError` `unknown_consumer`.
   *
   * @example
   * ```ts
   * await provider.endPreviousSecret(key);
   * ```
   */
  endPreviousSecret(key: string): Promise<Consumer>;
  /**
   * Suspends a consumer: its requests are refused as `consumer_key_refused` until it is resumed.
   * Throws `ProviderInputError` `unknown_consumer`, or `consumer_disabled` for a disabled one.
   *
   * @example
   * ```ts
   * await provider.suspendConsumer(key);
   * ```
   */
  suspendConsumer(key: string): Promise<Consumer>;
  /**
   * Makes a suspended consumer active again. Throws `ProviderInputError` `unknown_consumer`, or
   * `consumer_disabled`: a disabled consumer stays disabled.
   *
   * @example
   * ```ts
   * await provider.resumeConsumer(key);
   * ```
   */
  resumeConsumer(key: string): Promise<Consumer>;
  /**
   * Disables a consumer for good: its requests are refused as `consumer_key_rejected`, and it can
   * never be suspended or resumed again. Throws `ProviderInputError` `unknown_consumer`.
   *
   * @example
   * ```ts
   * await provider.disableConsumer(key);
   * ```
   */
  disableConsumer(key: string): Promise<Consumer>;
  /**
   * Deletes a consumer and every token issued to it (a consumer already gone changes nothing).
   *
   * @example
   * ```ts
   * await provider.deleteConsumer(key);
   * ```
   */
  deleteConsumer(key: string): Promise<void>;
  /**
   * Brings consumers and access tokens over from another provider, with their keys and secrets, so
   * that requests their clients sign as before verify here. Every record is checked first (its
   * token's consumer must be in the import or the store), then all are written in one transaction;
   * a token's user who is not stored is added. Throws `ProviderInputError` `import_refused`, with
   * every fault in `faults`, and imports nothing, if any record has one — a key already stored is
   * one, unless `replace`.
   *
   * @example
   * ```ts
   * const { addedUsers } = await provider.importCredentials({ consumers, accessTokens });
   * ```
   */
  importCredentials(credentials: CredentialsImport, options?: ImportOptions): Promise<ImportSummary>;
  /**
   * Revokes an access token: requests signed with it are refused as `token_revoked`. Revoking a
   * revoked token again changes nothing. Returns whether the token exists.
   *
   * @example
   * ```ts
   * if (!(await provider.revokeAccessToken(accessToken))) console.log('no such token');
   * ```
   */
  revokeAccessToken(token: string): Promise<boolean>;
  /**
   * Adds an active user: a resource owner who may authorize consumers. Atomic: of concurrent
   * additions of one name exactly one succeeds, the others throw `ProviderInputError` `user_exists`.
   * Only for users the store keeps: `decide` needs no user added first. Rejects with a `TypeError`
   * when the store keeps no users (it lacks `addUser`) or the `users` option answers for them.
   *
   * @example
   * ```ts
   * await provider.addUser('alice');
   * ```
   */
  addUser(name: string): Promise<User>;
  /**
   * Suspends a user: requests signed with the tokens they granted are refused as `user_refused`, and
   * they cannot authorize anything, until they are resumed. Throws `ProviderInputError` `unknown_user`.
   * Only for users the store keeps: rejects with a `TypeError` when the store keeps none (it lacks
   * `getUser` or `putUser`) or the `users` option answers for them (suspend them there).
   *
   * @example
   * ```ts
   * await provider.suspendUser('alice');
   * ```
   */
  suspendUser(name: string): Promise<User>;
  /**
   * Makes a suspended user active again. Throws `ProviderInputError` `unknown_user`; rejects with a
   * `TypeError` as `suspendUser` does.
   *
   * @example
   * ```ts
   * await provider.resumeUser('alice');
   * ```
   */
  resumeUser(name: string): Promise<User>;
  /**
   * The signature doctor: for a request a developer pasted, the base string this provider computes
   * and which of `consumer`'s secrets (current or previous) its signature matches — never a secret.
   * Records nothing. Throws the `OAuthProblem` a request it cannot read would get.
   *
   * @example
   * ```ts
   * const { baseString, signature } = await provider.diagnoseSignature(pasted, consumer);
   * ```
   */
  diagnoseSignature(request: OAuthRequest, consumer: Consumer): Promise<SignatureDiagnosis>;
  /**
   * Turns any error from the calls above into a response: a problem as itself, an unavailable
   * store as 503, anything else as a generic 500 (the detail goes to `onError`, never the client).
   */
  errorResponse(error: unknown, request: OAuthRequest): WireResponse;
  /**
   * The provider's `bodyHash` option, resolved: whether every non-form body must carry
   * `oauth_body_hash`. The adapters read it to refuse a body whose bytes a parser took.
   *
   * @example
   * ```ts
   * if (provider.bodyHash === 'required') console.log('every non-form body is hashed');
   * ```
   */
  readonly bodyHash: 'optional' | 'required';
}

/** A refused request, as `onProblem` hears of it. */
export interface ProblemReport {
  readonly endpoint: EndpointName;
  readonly problem: OAuthProblem;
  /** The consumer the request named, when it exists. */
  readonly consumer?: Consumer | undefined;
  readonly at: number;
  /** The request as the adapter handed it over, so that the application can tell which one it was. */
  readonly request: OAuthRequest;
}

/** A request accepted because it was signed with its consumer's previous secret, in the grace period. */
export interface PreviousSecretReport {
  readonly endpoint: EndpointName;
  readonly consumer: Consumer;
  readonly at: number;
  /** When the previous secret stops being accepted (ms since the epoch). */
  readonly expiresAt: number;
}

/** Options of `createProvider` beyond the engine's: where refusals and unexpected errors are reported. */
export interface CreateProviderOptions extends ProviderOptions {
  /**
   * Hears of unexpected errors: the detail of a generic 500 (`errorResponse`), and a report hook
   * that threw.
   *
   * @defaultValue `console.error`
   */
  readonly onError?: ((error: unknown) => void) | undefined;
  /**
   * Hears of every refused signed request (for metrics and the developer console); must not throw.
   *
   * @defaultValue `undefined`: refusals are not reported
   */
  readonly onProblem?: ((report: ProblemReport) => void | Promise<void>) | undefined;
  /**
   * Hears of every request accepted with its consumer's previous secret (see
   * `rotateConsumerSecret`), once it is answered, without holding up the answer; must not throw.
   *
   * @defaultValue `undefined`: such requests are not reported
   */
  readonly onPreviousSecret?: ((report: PreviousSecretReport) => void | Promise<void>) | undefined;
}

function realmFor(config: ProviderConfig, request: OAuthRequest): string {
  if (config.realm !== undefined) return config.realm;
  try {
    const uri = requestUri(request, config);
    return `${uri.scheme.toLowerCase()}://${uri.host.toLowerCase()}/`;
  } catch {
    return '';
  }
}

function problemResponse(config: ProviderConfig, problem: OAuthProblem, request: OAuthRequest): WireResponse {
  let accept: string | undefined;
  try {
    accept = singleHeader(request.headers, 'accept');
  } catch {
    accept = undefined;
  }
  return renderProblem(problem, { realm: realmFor(config, request), accept });
}

function plain(status: number, body: string, extra: Record<string, string> = {}): WireResponse {
  return {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...extra },
    body,
  };
}

/**
 * Creates a provider.
 *
 * @example
 * ```ts
 * import { createProvider, MemoryStore } from 'countersign';
 * const provider = createProvider({ store: new MemoryStore(), publicUrl: 'https://api.example.com' });
 * const verified = await provider.verify(request, { scope: 'read_public' });
 * ```
 */
export function createProvider(options: CreateProviderOptions): Provider {
  const config = resolveOptions(options);
  const onError = options.onError ?? ((error: unknown) => console.error(error));
  const observed = async <T>(
    endpoint: Endpoint,
    request: OAuthRequest,
    run: (c: CheckContext) => MaybePromise<T>,
  ) => {
    const checkContext = newCheckContext(endpoint, request, config);
    try {
      const result = await run(checkContext);
      if (checkContext.previousSecretUntil !== undefined) reportPreviousSecret(checkContext);
      return result;
    } catch (thrown) {
      const error = asProblem(thrown);
      if (isOAuthProblem(error) && options.onProblem) await report(checkContext, error);
      throw error;
    }
  };
  const report = async (checkContext: CheckContext, problem: OAuthProblem) => {
    try {
      const consumer = checkContext.consumer ?? (await checkContext.consumerLookup);
      const at = checkContext.now;
      const { endpoint, request } = checkContext;
      await options.onProblem?.({ endpoint: endpoint.name, problem, consumer, at, request });
    } catch (error) {
      onError(error);
    }
  };
  const reportPreviousSecret = ({ endpoint, consumer, now, previousSecretUntil }: CheckContext) => {
    if (!options.onPreviousSecret || !consumer || previousSecretUntil === undefined) return;
    const report = { endpoint: endpoint.name, consumer, at: now, expiresAt: previousSecretUntil };
    void (async () => options.onPreviousSecret?.(report))().catch(onError);
  };
  const answer = async (
    endpoint: Endpoint,
    request: OAuthRequest,
    run: (c: CheckContext) => Promise<WireResponse>,
  ) => {
    try {
      return await observed(endpoint, request, run);
    } catch (error) {
      return provider.errorResponse(error, request);
    }
  };
  const provider: Provider = {
    initiate: (request) => answer(INITIATE, request, initiate),
    token: (request) => answer(TOKEN, request, exchange),
    verify(request, verifyOptions) {
      const endpoint = resourceEndpoint(verifyOptions);
      if (!endpoint) {
        const given = JSON.stringify(verifyOptions?.bodyHash);
        return Promise.reject(new TypeError(`bodyHash must be 'optional' or 'required', not ${given}`));
      }
      return observed(endpoint, request, (c) => verify(c, verifyOptions?.scope));
    },
    verifyLaunch: (request, read) =>
      observed(LAUNCH, request, (c) =>
        andThen(runChecks(c, LAUNCH_CHECKS), () => {
          if (!c.consumer) throw new Error('launch checks passed without a consumer');
          return read({
            consumer: c.consumer,
            scopes: [],
            twoLegged: true,
            parameters: signedParameters(c),
          });
        }),
      ),
    authorization: (token) => authorization(config, token),
    decide: (token, decision) => decide(config, token, decision),
    async registerConsumer(registration) {
      const store = adminStore(config, 'registering a consumer', 'addConsumer');
      const consumer = newConsumer(config, registration);
      if (!(await store.addConsumer(consumer)))
        throw new ProviderInputError('key_taken', `a consumer with the key ${consumer.key} already exists`);
      return consumer;
    },
    updateConsumer: (key, changes) => updateConsumer(config, key, changes),
    rotateConsumerSecret: (key, rotateOptions) => rotateSecret(config, key, rotateOptions),
    endPreviousSecret: (key) => endPreviousSecret(config, key),
    suspendConsumer: (key) => setStatus(config, key, 'suspended'),
    resumeConsumer: (key) => setStatus(config, key, 'active'),
    disableConsumer: (key) => setStatus(config, key, 'disabled'),
    deleteConsumer: (key) => deleteConsumer(config, key),
    revokeAccessToken: (token) => revokeToken(config, token),
    importCredentials: (credentials, importOptions) => importCredentials(config, credentials, importOptions),
    diagnoseSignature: (request, consumer) => diagnoseSignature(config, request, consumer),
    addUser: (name) => addUser(config, name),
    suspendUser: (name) => setUserStatus(config, name, 'suspended'),
    resumeUser: (name) => setUserStatus(config, name, 'active'),
    bodyHash: config.bodyHashRequired ? 'required' : 'optional',
    errorResponse(thrown, request) {
      const error = asProblem(thrown);
      if (isOAuthProblem(error)) return problemResponse(config, error, request);
      onError(error);
      if (error instanceof StoreUnavailableError) {
        const why =
          'The service is temporarily unavailable (its database or cache cannot be reached); try again shortly.';
        return plain(503, why, { 'retry-after': '2' });
      }
      return plain(500, 'Internal server error.');
    },
  };
  return provider;
}
