/**
 * Registering a consumer and changing its settings: validates what the developer (or an LMS
 * administrator) entered, the same rules for both, and at registration draws its secret and, unless
 * one was chosen, its key.
 */
import { isSignatureMethodName, type SignatureMethodName, toPublicKey } from '../core/signature-methods.js';
import { callbackFault } from './checks/check-callback.js';
import { newCredential } from './credentials.js';
import { ProviderInputError } from './errors.js';
import type { Consumer } from './model.js';
import { CONSUMER_KEY, type ProviderConfig } from './options.js';

/**
 * Changes to a registered consumer's settings: each field given replaces the stored one (`null`
 * removes the description or the RSA public key); the result is checked as a registration is.
 */
export interface ConsumerChanges {
  readonly name?: string | undefined;
  readonly description?: string | null | undefined;
  readonly callback?: string | undefined;
  readonly scopes?: readonly string[] | undefined;
  readonly signatureMethods?: readonly string[] | undefined;
  readonly twoLegged?: boolean | undefined;
  readonly rsaPublicKey?: string | null | undefined;
}

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

/** The settings a developer chooses, as a consumer stores them. */
type ConsumerSettings = Pick<
  Consumer,
  'name' | 'description' | 'callback' | 'scopes' | 'signatureMethods' | 'twoLegged' | 'rsaPublicKey'
>;

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
function uses(
  settings: Omit<ConsumerRegistration, 'owner' | 'key'>,
): Pick<Consumer, 'callback' | 'scopes' | 'twoLegged'> {
  const scopes = [...new Set(settings.scopes ?? [])];
  if (settings.lti === true) {
    if (settings.callback !== undefined && settings.callback !== 'oob')
      throw invalid('an LTI consumer sends launches only: it takes no callback');
    if (scopes.length > 0) throw invalid('an LTI consumer sends launches only: it takes no scopes');
    if (settings.twoLegged === true)
      throw invalid('an LTI consumer sends launches only: it makes no two-legged requests to resources');
    return { callback: 'oob', scopes: [], twoLegged: false };
  }
  if (typeof settings.callback !== 'string' || settings.callback === '')
    throw invalid('callback is required: oob, or the URL every oauth_callback must start with');
  validateCallback(settings.callback);
  if (scopes.some((s) => !/^[A-Za-z0-9_.:-]+$/.test(s)))
    throw invalid('scopes are names of letters, digits and _ . : -');
  return { callback: settings.callback, scopes, twoLegged: settings.twoLegged ?? false };
}

/** Checks a registration's settings; throws `invalid_consumer` naming the first fault. */
function validSettings(settings: Omit<ConsumerRegistration, 'owner' | 'key'>): ConsumerSettings {
  const name = settings.name.trim();
  if (name === '' || name.length > 100) throw invalid('name must be 1 to 100 characters');
  const { callback, scopes, twoLegged } = uses(settings);
  const methods = settings.signatureMethods ?? ['HMAC-SHA1'];
  const unknown = methods.filter((m) => !isSignatureMethodName(m));
  if (methods.length === 0 || unknown.length > 0)
    throw invalid(`unknown signature methods: ${unknown.join(', ')}`);
  const usesRsa = methods.some((m) => m.startsWith('RSA-'));
  if (usesRsa && settings.rsaPublicKey === undefined) throw invalid('RSA methods need an RSA public key');
  if (settings.rsaPublicKey !== undefined) validateRsaPublicKey(settings.rsaPublicKey);
  return {
    name,
    description: settings.description,
    callback,
    scopes,
    signatureMethods: [...new Set(methods)] as SignatureMethodName[],
    twoLegged,
    rsaPublicKey: settings.rsaPublicKey,
  };
}

/** Builds a new active consumer from a registration, with a fresh secret (and key, unless chosen). */
export function newConsumer(config: ProviderConfig, registration: ConsumerRegistration): Consumer {
  return {
    key: consumerKey(config, registration.key),
    secret: newCredential(config.randomBytes),
    ...validSettings(registration),
    owner: registration.owner,
    lti: registration.lti === true,
    status: 'active',
    createdAt: config.clock(),
  };
}

/** A change to an optional setting: `undefined` keeps `stored`, `null` removes it. */
const optional = <T>(change: T | null | undefined, stored: T | undefined): T | undefined =>
  change === undefined ? stored : (change ?? undefined);

/**
 * The consumer with `changes` applied, checked as a registration is; its key, secrets, owner and
 * status stay as they are.
 */
export function changedConsumer(consumer: Consumer, changes: ConsumerChanges): Consumer {
  const settings = validSettings({
    name: changes.name ?? consumer.name,
    description: optional(changes.description, consumer.description),
    callback: changes.callback ?? consumer.callback,
    scopes: changes.scopes ?? consumer.scopes,
    signatureMethods: changes.signatureMethods ?? consumer.signatureMethods,
    twoLegged: changes.twoLegged ?? consumer.twoLegged,
    rsaPublicKey: optional(changes.rsaPublicKey, consumer.rsaPublicKey),
    lti: consumer.lti,
  });
  return { ...consumer, ...settings };
}
