/**
 * Provider configuration: the options an embedding application passes, their defaults, and their
 * validation at start (a bad option is a `TypeError` at `createProvider`, never a surprise later).
 */
import { randomBytes } from 'node:crypto';
import { isSignatureMethodName, type SignatureMethodName } from '../core/signature-methods.js';
import type { AdminStore, EngineStore } from './store.js';
import { compileTrustProxy, type ProxyTrust, type TrustProxy } from './trusted-proxy.js';
import { type IsSuspended, resolveUsers, type UserDirectory } from './users.js';

/** The defaults of the options that are numbers, for whoever shows them (the CLI's help). */
export const PROVIDER_DEFAULTS = {
  timestampWindow: 300,
  requestTokenTtl: 300,
  parameterLimit: 1000,
} as const;

/**
 * The engine's options: what `createProvider` takes, but for the report hooks of
 * `CreateProviderOptions`.
 */
export interface ProviderOptions {
  /**
   * Where the provider keeps its data. The engine needs the {@link EngineStore} part only; the
   * lifecycle operations (`registerConsumer`, `addUser` …) need the admin part as well, and reject
   * with a `TypeError` naming the method a store without it lacks.
   */
  readonly store: EngineStore;
  /**
   * Who is suspended, when the application keeps its users itself: a suspended user can neither
   * decide (`user_refused`) nor use the tokens they granted. Without it, a store that keeps users
   * (the built-in ones) decides it; with it, `addUser`, `suspendUser` and `resumeUser` reject,
   * since the users are the application's. A user no one says is suspended (one the store does not
   * hold included) is let in: to shut one out for good, answer `true`, or revoke their tokens.
   *
   * @defaultValue `undefined` (the store's users decide)
   */
  readonly users?: UserDirectory | undefined;
  /**
   * The public base URL clients sign against (`https://api.example.com`), when a proxy in front
   * changes the scheme, host or port. Its path, if any, is put before the request path.
   *
   * @defaultValue `undefined`: the URL the request arrived at
   */
  readonly publicUrl?: string | undefined;
  /**
   * The proxies in front of the server (`true` is one hop; a number of hops; proxy addresses or
   * CIDR ranges). When the request's direct peer is one of them, the URL is rebuilt from the
   * headers named by `proxyHeaders`, taking the value the nearest proxy set (the last one).
   *
   * @defaultValue `undefined`: forwarded headers are ignored
   */
  readonly trustProxy?: TrustProxy | undefined;
  /**
   * Which forwarded headers a trusted proxy sets (default `x-forwarded`: `X-Forwarded-Proto`,
   * `-Host` and `-Port`, as nginx sends them; `forwarded`: RFC 7239 `Forwarded`). The other
   * family is ignored, so a client cannot send one to override what the proxy set in the other.
   *
   * @defaultValue `'x-forwarded'`
   */
  readonly proxyHeaders?: 'x-forwarded' | 'forwarded' | undefined;
  /**
   * The realm of `WWW-Authenticate`; defaults to the request's origin followed by "/".
   *
   * @defaultValue the request's origin and `/`
   */
  readonly realm?: string | undefined;
  /**
   * Accepted clock skew either side of now, in seconds (default 300).
   *
   * @defaultValue `300`
   */
  readonly timestampWindow?: number | undefined;
  /**
   * Request-token lifetime in seconds (default 300).
   *
   * @defaultValue `300`
   */
  readonly requestTokenTtl?: number | undefined;
  /**
   * Access-token lifetime in seconds; unset means until revoked.
   *
   * @defaultValue `undefined`: a token lasts until it is revoked
   */
  readonly accessTokenTtl?: number | undefined;
  /**
   * Signature methods the server accepts (default `['HMAC-SHA1']`).
   *
   * @defaultValue `['HMAC-SHA1']`
   */
  readonly signatureMethods?: readonly SignatureMethodName[] | undefined;
  /**
   * Allow PLAINTEXT over plain HTTP (default false: PLAINTEXT only over HTTPS).
   *
   * @defaultValue `false`
   */
  readonly allowPlaintextOverHttp?: boolean | undefined;
  /**
   * Whether a non-form body must carry `oauth_body_hash` (default `optional`).
   *
   * @defaultValue `'optional'`
   */
  readonly bodyHash?: 'optional' | 'required' | undefined;
  /**
   * The shape of a well-formed consumer key: a key that does not match is `consumer_key_rejected`
   * without a store read. The default takes 1 to 255 printable ASCII characters without spaces:
   * the keys Countersign draws (32 characters from `[a-z0-9]`) and the ones an LMS administrator
   * chooses (`moodle-school-a`).
   *
   * @defaultValue `/^[\x21-\x7e]{1,255}$/`
   */
  readonly consumerKeyPattern?: RegExp | undefined;
  /**
   * The most parameters a request may carry in its query and form body together (default 1,000).
   * More is refused as `parameter_rejected` before any is parsed: each one costs parsing, sorting
   * and signing time, which an unsigned request could otherwise make the server spend.
   *
   * @defaultValue `1000`
   */
  readonly parameterLimit?: number | undefined;
  /**
   * Milliseconds since the epoch (default `Date.now`).
   *
   * @defaultValue `Date.now`
   */
  readonly clock?: (() => number) | undefined;
  /**
   * Cryptographically secure random bytes (default `crypto.randomBytes`).
   *
   * @defaultValue `crypto.randomBytes`
   */
  readonly randomBytes?: ((size: number) => Uint8Array) | undefined;
}

/** Options after defaults and validation. */
export interface ProviderConfig {
  /** The store; its admin methods only where it has them (see `lifecycle.ts`). */
  readonly store: EngineStore & Partial<AdminStore>;
  /** Whether the application (the `users` option) answers for its users, rather than the store. */
  readonly hostUsers: boolean;
  readonly isSuspended: IsSuspended;
  readonly publicUrl:
    { readonly scheme: string; readonly host: string; readonly pathPrefix: string } | undefined;
  readonly trustProxy: ProxyTrust | undefined;
  readonly proxyHeaders: 'x-forwarded' | 'forwarded';
  readonly realm: string | undefined;
  readonly timestampWindow: number;
  readonly requestTokenTtl: number;
  readonly accessTokenTtl: number | undefined;
  readonly signatureMethods: ReadonlySet<SignatureMethodName>;
  readonly allowPlaintextOverHttp: boolean;
  readonly bodyHashRequired: boolean;
  readonly consumerKeyPattern: RegExp;
  readonly parameterLimit: number;
  readonly clock: () => number;
  readonly randomBytes: (size: number) => Uint8Array;
}

/** A consumer key as one may be chosen: 1 to 255 printable ASCII characters, no space. */
export const CONSUMER_KEY = /^[\x21-\x7e]{1,255}$/;

function positiveWhole(name: string, value: number | undefined, fallback: number, unit: string): number {
  const whole = value ?? fallback;
  if (!Number.isInteger(whole) || whole <= 0) throw new TypeError(`${name} must be a positive whole ${unit}`);
  return whole;
}

function positiveSeconds(name: string, value: number | undefined, fallback: number): number {
  return positiveWhole(name, value, fallback, 'number of seconds');
}

function parsePublicUrl(value: string): NonNullable<ProviderConfig['publicUrl']> {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`publicUrl is not an absolute URL: ${value}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new TypeError('publicUrl must be http or https');
  if (url.search !== '' || url.hash !== '')
    throw new TypeError('publicUrl must not have a query or fragment');
  return { scheme: url.protocol.slice(0, -1), host: url.host, pathPrefix: url.pathname.replace(/\/+$/, '') };
}

function proxyHeaders(value: ProviderOptions['proxyHeaders']): ProviderConfig['proxyHeaders'] {
  if (value !== undefined && value !== 'x-forwarded' && value !== 'forwarded')
    throw new TypeError('proxyHeaders must be x-forwarded or forwarded');
  return value ?? 'x-forwarded';
}

/** What a store must implement for the engine (`EngineStore`, but for the optional `getUser`). */
const ENGINE_METHODS = [
  'getConsumer',
  'createRequestToken',
  'getRequestToken',
  'decideRequestToken',
  'redeemRequestToken',
  'getAccessToken',
  'touchAccessToken',
  'recordNonce',
] as const satisfies readonly (keyof EngineStore)[];

function checkStore(store: EngineStore | undefined): EngineStore {
  if (!store) throw new TypeError('store is required');
  for (const method of ENGINE_METHODS) {
    if (typeof store[method] !== 'function')
      throw new TypeError(`store.${method} is not a function: a store implements every EngineStore method`);
  }
  if (store.getUser !== undefined && typeof store.getUser !== 'function')
    throw new TypeError('store.getUser, when there is one, must be a function');
  return store;
}

/** Applies defaults and validates; throws `TypeError` on a bad option. */
export function resolveOptions(options: ProviderOptions): ProviderConfig {
  const store = checkStore(options.store);
  const methods = options.signatureMethods ?? ['HMAC-SHA1'];
  if (methods.length === 0) throw new TypeError('signatureMethods must name at least one method');
  for (const method of methods) {
    if (!isSignatureMethodName(method)) throw new TypeError(`unknown signature method ${String(method)}`);
  }
  for (const name of ['clock', 'randomBytes'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function')
      throw new TypeError(`${name} must be a function`);
  }
  if (options.consumerKeyPattern !== undefined && !(options.consumerKeyPattern instanceof RegExp))
    throw new TypeError('consumerKeyPattern must be a RegExp');
  return {
    store,
    hostUsers: options.users !== undefined,
    isSuspended: resolveUsers(options.users, store),
    publicUrl: options.publicUrl === undefined ? undefined : parsePublicUrl(options.publicUrl),
    trustProxy: compileTrustProxy(options.trustProxy),
    proxyHeaders: proxyHeaders(options.proxyHeaders),
    realm: options.realm,
    timestampWindow: positiveSeconds(
      'timestampWindow',
      options.timestampWindow,
      PROVIDER_DEFAULTS.timestampWindow,
    ),
    requestTokenTtl: positiveSeconds(
      'requestTokenTtl',
      options.requestTokenTtl,
      PROVIDER_DEFAULTS.requestTokenTtl,
    ),
    accessTokenTtl:
      options.accessTokenTtl === undefined
        ? undefined
        : positiveSeconds('accessTokenTtl', options.accessTokenTtl, 0),
    signatureMethods: new Set(methods),
    allowPlaintextOverHttp: options.allowPlaintextOverHttp ?? false,
    bodyHashRequired: (options.bodyHash ?? 'optional') === 'required',
    consumerKeyPattern: options.consumerKeyPattern ?? CONSUMER_KEY,
    parameterLimit: positiveWhole(
      'parameterLimit',
      options.parameterLimit,
      PROVIDER_DEFAULTS.parameterLimit,
      'number',
    ),
    clock: options.clock ?? Date.now,
    randomBytes: options.randomBytes ?? randomBytes,
  };
}
