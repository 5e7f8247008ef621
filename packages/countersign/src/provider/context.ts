/**
 * What the checks of one request share: the endpoint being served, the request, the configuration,
 * and what earlier checks found (parameters, consumer, token). Each check reads and extends it.
 */
import type { RequestUri } from '../core/base-string.js';
import type { Parameter } from '../core/parameters.js';
import type { SignatureMethod } from '../core/signature-methods.js';
import type { MaybePromise } from './maybe-promise.js';
import type { AccessToken, Consumer, RequestToken } from './model.js';
import type { ProviderConfig } from './options.js';
import type { OAuthRequest } from './request.js';

/** The kinds of signed request: the two token endpoints, protected resources, and LTI 1.1 launches. */
export type EndpointName = 'initiate' | 'token' | 'resource' | 'launch';

/** What an endpoint takes. */
export interface Endpoint {
  readonly name: EndpointName;
  /** HTTP methods allowed; `undefined` means any (a protected resource decides for itself). */
  readonly methods?: readonly string[];
  /** Protocol parameters that must be present. */
  readonly required: readonly string[];
  /** Every `oauth_*` parameter the endpoint takes. */
  readonly accepted: ReadonlySet<string>;
  /** Whether a non-form body must carry `oauth_body_hash` here, whatever the provider-wide option says. */
  readonly bodyHashRequired: boolean;
  /**
   * Whether `oauth_callback=about:blank` is taken though `oauth_callback` is not in `accepted`: LTI
   * 1.1 has the LMS send it with every launch, and no other endpoint may take it.
   */
  readonly aboutBlankCallback: boolean;
}

/**
 * The state of one request as it passes the checks. Every field exists from the start (see
 * `newCheckContext`), so that all contexts share one shape and the checks' property reads stay fast.
 */
export interface CheckContext {
  readonly endpoint: Endpoint;
  readonly request: OAuthRequest;
  readonly config: ProviderConfig;
  /** Milliseconds since the epoch, read once per request. */
  readonly now: number;
  uri?: (RequestUri & { readonly query: string }) | undefined;
  /** Every collected parameter. */
  parameters: readonly Parameter[];
  /** The protocol (`oauth_*`) parameters by name, each known to be sent once. */
  oauth: ReadonlyMap<string, string>;
  signatureMethod?: SignatureMethod | undefined;
  /** Whether `consumerLookup` has been made: the consumer is looked up at most once. */
  consumerLookedUp: boolean;
  /** The consumer named by `oauth_consumer_key`, or the store's promise of it. */
  consumerLookup?: MaybePromise<Consumer | undefined> | undefined;
  consumer?: Consumer | undefined;
  requestToken?: RequestToken | undefined;
  accessToken?: AccessToken | undefined;
  /** The base string the signature was checked against. */
  baseString?: string | undefined;
  /**
   * Set when the signature matched the consumer's previous secret, not its current one: when that
   * secret stops being accepted (ms).
   */
  previousSecretUntil?: number | undefined;
}

/**
 * One step of an endpoint: returns normally, or throws an `OAuthProblem`; one that waits for a
 * store returns a promise instead.
 */
export type Check = (context: CheckContext) => void | PromiseLike<void>;

/** The consumer for `oauth_consumer_key`, fetched once and shared by the checks that need it. */
export function lookupConsumer(context: CheckContext): MaybePromise<Consumer | undefined> {
  if (context.consumerLookedUp) return context.consumerLookup;
  const key = context.oauth.get('oauth_consumer_key') ?? '';
  context.consumerLookedUp = true;
  context.consumerLookup = context.config.consumerKeyPattern.test(key)
    ? context.config.store.getConsumer(key)
    : undefined;
  return context.consumerLookup;
}

/** A fresh context for one request. */
export function newCheckContext(
  endpoint: Endpoint,
  request: OAuthRequest,
  config: ProviderConfig,
): CheckContext {
  return {
    endpoint,
    request,
    config,
    now: config.clock(),
    uri: undefined,
    parameters: [],
    oauth: NO_PARAMETERS,
    signatureMethod: undefined,
    consumerLookedUp: false,
    consumerLookup: undefined,
    consumer: undefined,
    requestToken: undefined,
    accessToken: undefined,
    baseString: undefined,
    previousSecretUntil: undefined,
  };
}

const NO_PARAMETERS: ReadonlyMap<string, string> = new Map();
