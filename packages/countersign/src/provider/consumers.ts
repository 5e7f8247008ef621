/**
 * Registering a consumer and changing its settings: validates what the developer entered (the same
 * rules for both) and, at registration, draws its key and secret.
 */
import { isSignatureMethodName, type SignatureMethodName, toPublicKey } from '../core/signature-methods.js';
import { callbackFault } from './checks/check-callback.js';
import { newCredential } from './credentials.js';
import { ProviderInputError } from './errors.js';
import type { Consumer } from './model.js';
import type { ProviderConfig } from './options.js';

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

/** What a developer registers. */
export interface ConsumerRegistration {
  readonly name: string;
  readonly description?: string | undefined;
  readonly owner: string;
  readonly callback: string;
  readonly scopes?: readonly string[] | undefined;
  readonly signatureMethods?: readonly string[] | undefined;
  readonly twoLegged?: boolean | undefined;
  readonly rsaPublicKey?: string | undefined;
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

/** Checks a registration's settings; throws `invalid_consumer` naming the first fault. */
function validSettings(settings: Omit<ConsumerRegistration, 'owner'>): ConsumerSettings {
  const name = settings.name.trim();
  if (name === '' || name.length > 100) throw invalid('name must be 1 to 100 characters');
  validateCallback(settings.callback);
  const methods = settings.signatureMethods ?? ['HMAC-SHA1'];
  const unknown = methods.filter((m) => !isSignatureMethodName(m));
  if (methods.length === 0 || unknown.length > 0)
    throw invalid(`unknown signature methods: ${unknown.join(', ')}`);
  const usesRsa = methods.some((m) => m.startsWith('RSA-'));
  if (usesRsa && settings.rsaPublicKey === undefined) throw invalid('RSA methods need an RSA public key');
  if (settings.rsaPublicKey !== undefined) validateRsaPublicKey(settings.rsaPublicKey);
  const scopes = [...new Set(settings.scopes ?? [])];
  if (scopes.some((s) => !/^[A-Za-z0-9_.:-]+$/.test(s)))
    throw invalid('scopes are names of letters, digits and _ . : -');
  return {
    name,
    description: settings.description,
    callback: settings.callback,
    scopes,
    signatureMethods: [...new Set(methods)] as SignatureMethodName[],
    twoLegged: settings.twoLegged ?? false,
    rsaPublicKey: settings.rsaPublicKey,
  };
}

/** Builds a new active consumer from a registration, with a fresh key and secret. */
export function newConsumer(config: ProviderConfig, registration: ConsumerRegistration): Consumer {
  return {
    key: newCredential(config.randomBytes),
    secret: newCredential(config.randomBytes),
    ...validSettings(registration),
    owner: registration.owner,
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
  });
  return { ...consumer, ...settings };
}
