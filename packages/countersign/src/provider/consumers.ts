/**
 * Registering a consumer: validates what the developer entered and draws its key and secret.
 */
import { isSignatureMethodName, type SignatureMethodName, toPublicKey } from '../core/signature-methods.js';
import { callbackFault } from './checks/check-callback.js';
import { newCredential } from './credentials.js';
import { ProviderInputError } from './errors.js';
import type { Consumer } from './model.js';
import type { ProviderConfig } from './options.js';

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

/** Builds a new active consumer from a registration, with a fresh key and secret. */
export function newConsumer(config: ProviderConfig, registration: ConsumerRegistration): Consumer {
  const name = registration.name.trim();
  if (name === '' || name.length > 100) throw invalid('name must be 1 to 100 characters');
  validateCallback(registration.callback);
  const methods = registration.signatureMethods ?? ['HMAC-SHA1'];
  const unknown = methods.filter((m) => !isSignatureMethodName(m));
  if (methods.length === 0 || unknown.length > 0)
    throw invalid(`unknown signature methods: ${unknown.join(', ')}`);
  const usesRsa = methods.some((m) => m.startsWith('RSA-'));
  if (usesRsa && registration.rsaPublicKey === undefined) throw invalid('RSA methods need an RSA public key');
  if (registration.rsaPublicKey !== undefined) validateRsaPublicKey(registration.rsaPublicKey);
  const scopes = [...new Set(registration.scopes ?? [])];
  if (scopes.some((s) => !/^[A-Za-z0-9_.:-]+$/.test(s)))
    throw invalid('scopes are names of letters, digits and _ . : -');
  return {
    key: newCredential(config.randomBytes),
    secret: newCredential(config.randomBytes),
    name,
    description: registration.description,
    owner: registration.owner,
    callback: registration.callback,
    scopes,
    signatureMethods: methods as SignatureMethodName[],
    twoLegged: registration.twoLegged ?? false,
    rsaPublicKey: registration.rsaPublicKey,
    status: 'active',
    createdAt: config.clock(),
  };
}
