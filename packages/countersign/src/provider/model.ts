/**
 * The data a provider keeps: consumers, users, request tokens and access tokens. Times are
 * milliseconds since the epoch, as the injected clock gives them.
 */
import type { SignatureMethodName } from '../core/signature-methods.js';

/** `active`; `suspended` (temporarily, by its developer or an admin); `disabled` (for good). */
export type ConsumerStatus = 'active' | 'suspended' | 'disabled';

/**
 * The secret a consumer had before its last rotation, still accepted until `expiresAt` (ms since the
 * epoch): the grace period in which its clients move to the new one.
 */
export interface PreviousSecret {
  readonly secret: string;
  readonly expiresAt: number;
}

/** A registered client application. */
export interface Consumer {
  readonly key: string;
  readonly secret: string;
  /**
   * The secret before the last rotation, while its grace period lasts: a request whose signature
   * does not match the current secret is checked against it (HMAC and PLAINTEXT methods; RSA
   * methods sign with a key pair, not the secret). Absent when rotated without a grace period.
   */
  readonly previousSecret?: PreviousSecret | undefined;
  readonly name: string;
  readonly description?: string | undefined;
  /** The user who registered it. */
  readonly owner: string;
  /** `oob`, or the absolute URL whose origin and path prefix every `oauth_callback` must match. */
  readonly callback: string;
  /** The scopes this consumer may request. */
  readonly scopes: readonly string[];
  /** The signature methods this consumer may use (also limited by the server's). */
  readonly signatureMethods: readonly SignatureMethodName[];
  /**
   * Whether consumer-only (two-legged) requests to protected resources are allowed. Always false for
   * an LTI consumer, whose launches are consumer-only by nature and are all it may send.
   */
  readonly twoLegged: boolean;
  /**
   * Whether this is an LTI 1.1 tool consumer (an LMS): it may send launches (`provider.verifyLaunch`,
   * `countersign/lti`) and nothing else; every other endpoint refuses it as `consumer_key_invalid`,
   * and launches from any other consumer are refused the same way.
   */
  readonly lti?: boolean | undefined;
  /** PEM public key or certificate, for the RSA methods. */
  readonly rsaPublicKey?: string | undefined;
  readonly status: ConsumerStatus;
  readonly createdAt: number;
}

/**
 * A resource owner, as the engine knows one: a name and whether it is suspended. How a user signs
 * in (a password, single sign-on) is the embedding application's business, not the engine's.
 */
export interface User {
  readonly name: string;
  readonly status: 'active' | 'suspended';
  readonly createdAt: number;
}

/** Where a request token is in its life. */
export type RequestTokenState = 'pending' | 'authorized' | 'denied' | 'exchanged';

/** Temporary credentials (RFC 5849 §2.1). */
export interface RequestToken {
  readonly token: string;
  readonly secret: string;
  readonly consumerKey: string;
  /** `oob` or the callback URL given at initiate. */
  readonly callback: string;
  /** The scopes requested at initiate. */
  readonly scopes: readonly string[];
  readonly state: RequestTokenState;
  /** Set when the user decides. */
  readonly user?: string | undefined;
  readonly grantedScopes?: readonly string[] | undefined;
  readonly verifier?: string | undefined;
  readonly verifierFailures: number;
  readonly createdAt: number;
  readonly expiresAt: number;
}

/** Token credentials (RFC 5849 §2.3), carrying the scopes the user granted. */
export interface AccessToken {
  readonly token: string;
  readonly secret: string;
  readonly consumerKey: string;
  readonly user: string;
  readonly scopes: readonly string[];
  readonly createdAt: number;
  readonly expiresAt?: number | undefined;
  readonly revokedAt?: number | undefined;
  readonly lastUsedAt?: number | undefined;
}
