/**
 * Password hashing with scrypt (node:crypto), stored as `scrypt$N$r$p$salt$hash` so the cost can
 * be raised later without breaking old hashes. Verification compares in constant time.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { isCommonPassword } from './common-passwords.js';

const N = 16384;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_LENGTH, { N: n, r, p, maxmem: 64 * 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/**
 * Hashes a password with a fresh salt. Passwords are hashed and checked in NFKC form (NIST SP
 * 800-63B §5.1.1.2), as their rules count them: the same password typed on another keyboard, or
 * pasted with its accents composed another way, is the same password.
 */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password.normalize('NFKC'), salt, N, R, P);
  return ['scrypt', N, R, P, salt.toString('base64'), key.toString('base64')].join('$');
}

/** Whether `password` matches `stored`; a malformed hash never matches. */
export async function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
  const parts = (stored ?? '').split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') {
    // Same work as a real check, so that an unknown user takes as long as a wrong password.
    await derive(password, Buffer.alloc(16), N, R, P);
    return false;
  }
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(hash, 'base64');
  const matches = async (form: string) => {
    const key = await derive(form, Buffer.from(salt, 'base64'), Number(n), Number(r), Number(p));
    return key.length === expected.length && timingSafeEqual(key, expected);
  };
  const normalized = password.normalize('NFKC');
  if (await matches(normalized)) return true;
  // A hash made before passwords were normalised holds the password as it was typed.
  return normalized !== password && matches(password);
}

/** The length a new password needs, in characters after NFKC normalisation. */
export const MIN_PASSWORD_LENGTH = 8;

/** Every step from one character to the next is the same +1 or -1 ("abcdefgh", "98765432"). */
function isSequence(chars: readonly string[]): boolean {
  const codes = chars.map((c) => c.codePointAt(0) ?? 0);
  const step = (codes[1] ?? 0) - (codes[0] ?? 0);
  return Math.abs(step) === 1 && codes.every((code, i) => i === 0 || code - (codes[i - 1] ?? 0) === step);
}

/**
 * The rules for a new password (NIST SP 800-63B §5.1.1.2), as a message when broken: at least
 * {@link MIN_PASSWORD_LENGTH} characters counted after normalising, not only whitespace, not one
 * short run repeated ("aaaaaaaa", "abcabcabc") or a simple sequence, not containing the user name,
 * and not a common password.
 *
 * @example
 * ```ts
 * passwordProblem('password', 'ann'); // 'That password is too common…'
 * ```
 */
export function passwordProblem(password: string, userName = ''): string | undefined {
  const normalized = password.normalize('NFKC');
  const chars = [...normalized];
  if (chars.length < MIN_PASSWORD_LENGTH) return `Passwords need at least ${MIN_PASSWORD_LENGTH} characters.`;
  if (chars.length > 200) return 'Passwords may have at most 200 characters.';
  if (normalized.trim() === '') return 'A password cannot be only spaces.';
  if (/^(.{1,3})\1+$/su.test(normalized) || isSequence(chars)) {
    return 'That password is too easy to guess: avoid repeated characters and sequences.';
  }
  if (userName.length >= 3 && normalized.toLowerCase().includes(userName.toLowerCase())) {
    return 'A password cannot contain the user name.';
  }
  if (isCommonPassword(normalized)) return 'That password is too common; choose another.';
  return undefined;
}

/** The rules for a user name, as a message when broken. */
export function userNameProblem(name: string): string | undefined {
  return /^[a-z0-9][a-z0-9_.-]{1,31}$/.test(name)
    ? undefined
    : 'User names are 2–32 characters: lower-case letters, digits, and _ . - (not first).';
}
