/**
 * Signing a request as an OAuth 1.0a client: the protocol parameters, the signature base string,
 * the signature and the `Authorization` header, all from one description of the request.
 */
import { type KeyObject, randomBytes } from 'node:crypto';
import { authorizationHeader } from '../core/authorization-header.js';
import { baseStringUri, signatureBaseString, splitUrl } from '../core/base-string.js';
import { bodyHash } from '../core/body-hash.js';
import { type Parameter, parseFormEncoded } from '../core/parameters.js';
import {
  isSignatureMethodName,
  SIGNATURE_METHOD_NAMES,
  SIGNATURE_METHODS,
  type SignatureMethodName,
} from '../core/signature-methods.js';

/** What a client needs to sign one request. */
export interface SignRequestOptions {
  /** The HTTP method (`GET`, `POST`, …). */
  readonly method: string;
  /** The absolute request URL; its query is signed. */
  readonly url: string;
  /**
   * A form body to send (signed as parameters).
   *
   * @defaultValue `undefined`
   */
  readonly form?: readonly (readonly [string, string])[];
  /**
   * A non-form body, covered by `oauth_body_hash` instead.
   *
   * @defaultValue `undefined`: no `oauth_body_hash` is sent
   */
  readonly body?: string | Uint8Array;
  /** The consumer key the provider issued. */
  readonly consumerKey: string;
  /** The consumer secret the provider issued (unused by the RSA methods). */
  readonly consumerSecret: string;
  /**
   * The request token or access token the request is made with (`oauth_token`).
   *
   * @defaultValue `undefined`: a request without a token (initiating, or two-legged)
   */
  readonly token?: string | undefined;
  /**
   * The secret of `token`, the second half of the signing key.
   *
   * @defaultValue `''`
   */
  readonly tokenSecret?: string | undefined;
  /**
   * The signature method the request is signed with.
   *
   * @defaultValue `'HMAC-SHA1'`
   */
  readonly signatureMethod?: SignatureMethodName;
  /**
   * The private key for the RSA methods: PEM, or a KeyObject.
   *
   * @defaultValue `undefined`: needed by the RSA methods only
   */
  readonly privateKey?: KeyObject | string | undefined;
  /**
   * Further protocol parameters (`oauth_callback`, `oauth_verifier`); they replace defaults of the same name.
   *
   * @defaultValue `undefined`
   */
  readonly extra?: Readonly<Record<string, string>>;
  /**
   * Seconds since the epoch; defaults to now.
   *
   * @defaultValue `undefined`: the current time
   */
  readonly timestamp?: string | undefined;
  /**
   * Defaults to 32 random characters.
   *
   * @defaultValue `undefined`: 32 random characters from `[a-z0-9]`
   */
  readonly nonce?: string | undefined;
  /**
   * The `realm` of the `Authorization` header.
   *
   * @defaultValue `undefined`: no realm is sent
   */
  readonly realm?: string | undefined;
  /**
   * Whether to send `oauth_version=1.0` (default true); RFC 5849's own examples leave it out.
   *
   * @defaultValue `true`
   */
  readonly version?: boolean | undefined;
}

/** A signed request, with everything needed to send it or to debug it. */
export interface SignedRequest {
  readonly baseString: string;
  readonly signature: string;
  readonly authorization: string;
  /** The protocol parameters, `oauth_signature` included, in header order. */
  readonly oauthParameters: readonly [string, string][];
}

const NONCE_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A random nonce of 32 characters from `[a-z0-9]`. */
export function randomNonce(): string {
  return Array.from(randomBytes(32), (byte) => NONCE_ALPHABET[byte % 36]).join('');
}

/**
 * Whether `url` is an absolute http or https URL with a host: the only kind a request is signed for.
 *
 * @example
 * ```ts
 * isHttpUrl('https://api.example.com/v1/me'); // true
 * isHttpUrl('/v1/me'); // false
 * ```
 */
export function isHttpUrl(url: string): boolean {
  return /^https?:\/\/[^/?#]/i.test(url) && URL.canParse(url);
}

/**
 * Signs a request (RFC 5849 §3.1–3.5).
 *
 * @example
 * ```ts
 * const signed = signRequest({ method: 'GET', url: 'http://localhost:3000/api/v1/me', consumerKey, consumerSecret, token, tokenSecret });
 * await fetch(url, { headers: { authorization: signed.authorization } });
 * ```
 */
export function signRequest(options: SignRequestOptions): SignedRequest {
  const signatureMethod = options.signatureMethod ?? 'HMAC-SHA1';
  // A caller without types may pass anything; it gets told what is known, not a failed lookup.
  if (!isSignatureMethodName(signatureMethod))
    throw new TypeError(
      `unknown signature method ${JSON.stringify(signatureMethod)}; use one of ${SIGNATURE_METHOD_NAMES.join(', ')}`,
    );
  const method = SIGNATURE_METHODS[signatureMethod];
  const oauth: [string, string][] = [
    ['oauth_consumer_key', options.consumerKey],
    ['oauth_signature_method', signatureMethod],
    ['oauth_timestamp', options.timestamp ?? String(Math.floor(Date.now() / 1000))],
    ['oauth_nonce', options.nonce ?? randomNonce()],
  ];
  // Optional (RFC 5849 §3.1); sent by default, as most providers expect it.
  if (options.version !== false) oauth.push(['oauth_version', '1.0']);
  if (options.token !== undefined) oauth.push(['oauth_token', options.token]);
  for (const [name, value] of Object.entries(options.extra ?? {})) {
    const existing = oauth.findIndex(([n]) => n === name);
    if (existing >= 0) oauth[existing] = [name, value];
    else oauth.push([name, value]);
  }
  if (options.body !== undefined)
    oauth.push(['oauth_body_hash', bodyHash(options.body, method.bodyHashAlgorithm)]);

  if (!isHttpUrl(options.url))
    throw new TypeError(`url must be an absolute http or https URL, not ${JSON.stringify(options.url)}`);
  const url = splitUrl(options.url);
  const parameters: Pick<Parameter, 'name' | 'value'>[] = [
    ...parseFormEncoded(url.query, 'query'),
    ...(options.form ?? []).map(([name, value]) => ({ name, value })),
    ...oauth.map(([name, value]) => ({ name, value })),
  ];
  const baseString = signatureBaseString(options.method, baseStringUri(url), parameters);
  const signature = method.sign(baseString, {
    consumerSecret: options.consumerSecret,
    tokenSecret: options.tokenSecret ?? '',
    ...(options.privateKey === undefined ? {} : { privateKey: options.privateKey }),
  });
  const oauthParameters: [string, string][] = [...oauth, ['oauth_signature', signature]];
  return {
    baseString,
    signature,
    authorization: authorizationHeader(oauthParameters, options.realm),
    oauthParameters,
  };
}
