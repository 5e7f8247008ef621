/**
 * Credentials: keys, secrets, tokens and verifiers are 32 characters from `[a-z0-9]` (Magento's
 * format), the out-of-band PIN 8 digits, all drawn from the injected CSPRNG without modulo bias.
 */
const LOWER_ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyz0123456789';
const DIGITS = '0123456789';

function draw(randomBytes: (size: number) => Uint8Array, alphabet: string, length: number): string {
  // Rejection sampling: only bytes below the largest multiple of the alphabet size are used.
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < limit) out += alphabet[byte % alphabet.length];
      if (out.length === length) break;
    }
  }
  return out;
}

/** A 32-character credential from `[a-z0-9]`. */
export function newCredential(randomBytes: (size: number) => Uint8Array): string {
  return draw(randomBytes, LOWER_ALPHANUMERIC, 32);
}

/** An 8-digit PIN for the out-of-band (`oob`) flow. */
export function newPin(randomBytes: (size: number) => Uint8Array): string {
  return draw(randomBytes, DIGITS, 8);
}
