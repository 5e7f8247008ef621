/**
 * `oauth_body_hash`, from the OAuth Request Body Hash extension: the base64 digest of the raw
 * entity-body, signed like any other parameter so that a non-form body is covered by the signature.
 * The digest follows the signature method (SHA-1 for the *-SHA1 methods and PLAINTEXT, SHA-256 for
 * the *-SHA256 ones, SHA-512 for HMAC-SHA512).
 */
import { createHash } from 'node:crypto';
import { constantTimeEqual } from './signature-methods.js';

/** A digest `oauth_body_hash` can use. */
export type BodyHashAlgorithm = 'sha1' | 'sha256' | 'sha512';

/**
 * Computes `oauth_body_hash` for a raw body.
 *
 * @example
 * ```ts
 * bodyHash('Hello World!', 'sha1'); // 'Lve95gjOVATpfV8EL5X4nxwjKHE='
 * ```
 */
export function bodyHash(body: string | Uint8Array, algorithm: BodyHashAlgorithm): string {
  return createHash(algorithm).update(body).digest('base64');
}

/**
 * Checks a received `oauth_body_hash` against the body, in constant time.
 *
 * @example
 * ```ts
 * verifyBodyHash('', '2jmj7l5rSw0yVb/vlWAYkK/YBwk=', 'sha1'); // true
 * ```
 */
export function verifyBodyHash(
  body: string | Uint8Array,
  received: string,
  algorithm: BodyHashAlgorithm,
): boolean {
  return constantTimeEqual(received, bodyHash(body, algorithm));
}
