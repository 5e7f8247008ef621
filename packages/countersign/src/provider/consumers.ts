/**
 * Registering a consumer: validates what the developer (or an LMS administrator) entered, and draws
 * its secret and, unless one was chosen, its key.
 */
import { isSignatureMethodName, type SignatureMethodName, toPublicKey } from '../core/signature-methods.js';
import { callbackFault } from './checks/check-callback.js';
import { newCredential } from './credentials.js';
import { ProviderInputError } from './errors.js';
import type { Consumer } from './model.js';
import { CONSUMER_KEY, type ProviderConfig } from './options.js';

/**
 * What a developer registers. An LTI consumer (`lti: true`, an LMS) needs no callback, scopes or
 * two-legged flag: it sends launches, and nothing else.
 *
 * @example
 * ```ts
 * await provider.registerConsumer({ name: 'Moodle', owner: 'admin', lti: true, key: 'moodle-school-a' });
 * ```
 */
export interface ConsumerRegistration {
  readonly name: string;
  readonly description?: string | undefined;
  readonly owner: string;
  /**
   * The key, when its administrator chooses one: 1 to 255 printable ASCII characters without spaces
   * (and matching the provider's `consumerKeyPattern`). Drawn at random (32 of `[a-z0-9]`) otherwise.
   */
  readonly key?: string | undefined;
  /** `oob` or the URL every `oauth_callback` must start with; an LTI consumer takes none. */
  readonly callback?: string | undefined;
  readonly scopes?: readonly string[] | undefined;
  readonly signatureMethods?: readonly string[] | undefined;
  readonly twoLegged?: boolean | undefined;
  readonly rsaPublicKey?: string | undefined;
  /** An LTI 1.1 tool consumer: launches only, consumer-only (see `Consumer.lti`). */
  readonly lti?: boolean | undefined;
}

function invalid(message: string): ProviderInputError {
  return new ProviderInputError('invalid_consumer', message);
}

/**
 * Checks a callback registration: `oob`, or an absolute http(s) URL that means the same to every
 * parser (no userinfo, fragment, backslash, encoded separator or dot segment; see `callbackFault`).
 */
export function validateCallback(callback: string): void {
  if (callback === 'oob') return;
  const fault = callbackFault(callback);
  if (fault !== undefined) throw invalid(`callback ${fault}, not ${JSON.stringify(callback)}`);
}

/** Checks an RSA public key or certificate in PEM form. */
export function validateRsaPublicKey(pem: string): void {
  try {
    if (toPublicKey(pem).asymmetricKeyType !== 'rsa') throw new Error('not RSA');
  } catch {
    throw invalid('rsa public key must be an RSA public key or certificate in PEM form');
  }
}

/** The chosen key, checked; a fresh one when none was chosen. */
function consumerKey(config: ProviderConfig, key: string | undefined): string {
  if (key === undefined) return newCredential(config.randomBytes);
  if (typeof key !== 'string' || !CONSUMER_KEY.test(key))
    throw invalid('key must be 1 to 255 printable ASCII characters, without spaces');
  if (!config.consumerKeyPattern.test(key))
    throw invalid(
      `key does not match this provider's consumerKeyPattern ${String(config.consumerKeyPattern)}`,
    );
  return key;
}

/** The callback, scopes and two-legged flag: an LTI consumer has none of them. */
function uses(registration: ConsumerRegistration): Pick<Consumer, 'callback' | 'scopes' | 'twoLegged'> {
  const scopes = [...new Set(registration.scopes ?? [])];
  if (registration.lti === true) {
    if (registration.callback !== undefined && registration.callback !== 'oob')
      throw invalid('an LTI consumer sends launches only: it takes no callback');
    if (scopes.length > 0) throw invalid('an LTI consumer sends launches only: it takes no scopes');
    if (registration.twoLegged === true)
      throw invalid('an LTI consumer sends launches only: it makes no two-legged requests to resources');
    return { callback: 'oob', scopes: [], twoLegged: false };
  }
  if (typeof registration.callback !== 'string' || registration.callback === '')
    throw invalid('callback is required: oob, or the URL every oauth_callback must start with');
  validateCallback(registration.callback);
  if (scopes.some((s) => !/^[A-Za-z0-9_.:-]+$/.test(s)))
    throw invalid('scopes are names of letters, digits and _ . : -');
  return { callback: registration.callback, scopes, twoLegged: registration.twoLegged ?? false };
}

/** Builds a new active consumer from a registration, with a fresh secret (and key, unless chosen). */
export function newConsumer(config: ProviderConfig, registration: ConsumerRegistration): Consumer {
  const name = registration.name.trim();
  if (name === '' || name.length > 100) throw invalid('name must be 1 to 100 characters');
  const key = consumerKey(config, registration.key);
  const { callback, scopes, twoLegged } = uses(registration);
  const methods = registration.signatureMethods ?? ['HMAC-SHA1'];
  const unknown = methods.filter((m) => !isSignatureMethodName(m));
  if (methods.length === 0 || unknown.length > 0)
    throw invalid(`unknown signature methods: ${unknown.join(', ')}`);
  const usesRsa = methods.some((m) => m.startsWith('RSA-'));
  if (usesRsa && registration.rsaPublicKey === undefined) throw invalid('RSA methods need an RSA public key');
  if (registration.rsaPublicKey !== undefined) validateRsaPublicKey(registration.rsaPublicKey);
  return {
    key,
    secret: newCredential(config.randomBytes),
    name,
    description: registration.description,
    owner: registration.owner,
    callback,
    scopes,
    signatureMethods: methods as SignatureMethodName[],
    twoLegged,
    rsaPublicKey: registration.rsaPublicKey,
    lti: registration.lti === true,
    status: 'active',
    createdAt: config.clock(),
  };
}
