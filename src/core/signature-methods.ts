/**
 * The signature methods behind one interface, RFC 5849 §3.4: HMAC-SHA1 (§3.4.2), RSA-SHA1 (§3.4.3),
 * PLAINTEXT (§3.4.4), and the HMAC-SHA256, HMAC-SHA512 and RSA-SHA256 variants built the same way.
 * Verification always compares in constant time.
 */
import {
  createHmac,
  createPublicKey,
  createSecretKey,
  type KeyObject,
  sign,
  timingSafeEqual,
  verify,
  X509Certificate,
} from 'node:crypto';
import { percentEncode } from './percent-encoding.js';

/** The names of the supported signature methods, as sent in `oauth_signature_method`. */
export const SIGNATURE_METHOD_NAMES = [
  'HMAC-SHA1',
  'HMAC-SHA256',
  'HMAC-SHA512',
  'RSA-SHA1',
  'RSA-SHA256',
  'PLAINTEXT',
] as const;

/** A supported `oauth_signature_method` value. */
export type SignatureMethodName = (typeof SIGNATURE_METHOD_NAMES)[number];

/** The secrets and keys a signature is made or checked with. */
export interface SigningCredentials {
  /** The client (consumer) shared-secret. */
  readonly consumerSecret: string;
  /** The token shared-secret; empty when there is no token. */
  readonly tokenSecret: string;
  /** RSA methods, signing: the client's private key. */
  readonly privateKey?: KeyObject | string;
  /** RSA methods, verifying: the client's public key (PEM key or certificate, or a KeyObject). */
  readonly publicKey?: KeyObject | string;
}

/** One signature method. */
export interface SignatureMethod {
  readonly name: SignatureMethodName;
  /** The digest `oauth_body_hash` uses with this method. */
  readonly bodyHashAlgorithm: 'sha1' | 'sha256' | 'sha512';
  /** Computes `oauth_signature` (not yet percent-encoded for transport). */
  sign(baseString: string, credentials: SigningCredentials): string;
  /** Checks `oauth_signature` in constant time. */
  verify(baseString: string, signature: string, credentials: SigningCredentials): boolean;
}

/**
 * The key HMAC methods and PLAINTEXT use, RFC 5849 §3.4.2: "the encoded client shared-secret …
 * followed by an "&" character … followed by the encoded token shared-secret".
 *
 * @example
 * ```ts
 * signingKey('cs', 'ts'); // 'cs&ts'
 * ```
 */
export function signingKey(consumerSecret: string, tokenSecret: string): string {
  return `${percentEncode(consumerSecret)}&${percentEncode(tokenSecret)}`;
}

/** Constant-time string equality; the length of the expected value is not a secret. */
export function constantTimeEqual(actual: string, expected: string): boolean {
  const a = Buffer.from(actual, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  if (a.length !== b.length) {
    timingSafeEqual(b, b);
    return false;
  }
  return timingSafeEqual(a, b);
}

/** Derived HMAC keys are kept for this many distinct consumer secrets, then the cache starts over. */
const DERIVED_KEYS_KEPT = 10_000;
/** Derived keys by consumer secret, then token secret. */
const derivedKeys = new Map<string, Map<string, KeyObject>>();

/**
 * The HMAC key for a pair of secrets (RFC 5849 §3.4.2), derived once: a `KeyObject` holds the key
 * bytes outside the JavaScript heap and spares every later signature the encoding of the secrets
 * and the string-to-key conversion. The lookup is by the two secrets themselves, whose hashes the
 * engine computes once per string.
 */
function derivedKey(consumerSecret: string, tokenSecret: string): KeyObject {
  let byToken = derivedKeys.get(consumerSecret);
  if (byToken === undefined) {
    if (derivedKeys.size >= DERIVED_KEYS_KEPT) derivedKeys.clear();
    byToken = new Map();
    derivedKeys.set(consumerSecret, byToken);
  }
  let derived = byToken.get(tokenSecret);
  if (derived === undefined) {
    if (byToken.size >= DERIVED_KEYS_KEPT) byToken.clear();
    derived = createSecretKey(Buffer.from(signingKey(consumerSecret, tokenSecret), 'utf8'));
    byToken.set(tokenSecret, derived);
  }
  return derived;
}

function hmac(name: SignatureMethodName, digest: 'sha1' | 'sha256' | 'sha512'): SignatureMethod {
  const sign = (baseString: string, c: SigningCredentials) =>
    createHmac(digest, derivedKey(c.consumerSecret, c.tokenSecret)).update(baseString).digest('base64');
  return {
    name,
    bodyHashAlgorithm: digest,
    sign,
    verify: (baseString, signature, c) => constantTimeEqual(signature, sign(baseString, c)),
  };
}

/** A public key from a PEM key, a PEM certificate, or a KeyObject. */
export function toPublicKey(key: KeyObject | string): KeyObject {
  if (typeof key !== 'string') return key;
  return key.includes('CERTIFICATE') ? new X509Certificate(key).publicKey : createPublicKey(key);
}

function rsa(name: SignatureMethodName, digest: 'sha1' | 'sha256'): SignatureMethod {
  return {
    name,
    bodyHashAlgorithm: digest,
    sign(baseString, c) {
      if (c.privateKey === undefined) throw new TypeError(`${name} signing needs a private key`);
      return sign(digest, Buffer.from(baseString, 'utf8'), c.privateKey).toString('base64');
    },
    verify(baseString, signature, c) {
      if (c.publicKey === undefined) return false;
      // Node's base64 decoder is lenient (missing padding, stray characters); only the canonical
      // form of the signature is accepted, as for the HMAC methods.
      const bytes = Buffer.from(signature, 'base64');
      if (bytes.toString('base64') !== signature) return false;
      // RSASSA-PKCS1-v1_5 verification recomputes and compares the encoded digest; no secret is compared.
      return verify(digest, Buffer.from(baseString, 'utf8'), toPublicKey(c.publicKey), bytes);
    },
  };
}

const plaintext: SignatureMethod = {
  name: 'PLAINTEXT',
  bodyHashAlgorithm: 'sha1',
  // RFC 5849 §3.4.4: the signature is the key itself; the base string is not used.
  sign: (_baseString, c) => signingKey(c.consumerSecret, c.tokenSecret),
  verify: (_baseString, signature, c) =>
    constantTimeEqual(signature, signingKey(c.consumerSecret, c.tokenSecret)),
};

/**
 * Every signature method by name.
 *
 * @example
 * ```ts
 * SIGNATURE_METHODS['HMAC-SHA1'].sign('bs', { consumerSecret: 'cs', tokenSecret: '' }); // 'egQqG5AJep5sJ7anhXju1unge2I='
 * ```
 */
export const SIGNATURE_METHODS: Readonly<Record<SignatureMethodName, SignatureMethod>> = {
  'HMAC-SHA1': hmac('HMAC-SHA1', 'sha1'),
  'HMAC-SHA256': hmac('HMAC-SHA256', 'sha256'),
  'HMAC-SHA512': hmac('HMAC-SHA512', 'sha512'),
  'RSA-SHA1': rsa('RSA-SHA1', 'sha1'),
  'RSA-SHA256': rsa('RSA-SHA256', 'sha256'),
  PLAINTEXT: plaintext,
};

/** Whether a string names a supported signature method. */
export function isSignatureMethodName(value: string): value is SignatureMethodName {
  return (SIGNATURE_METHOD_NAMES as readonly string[]).includes(value);
}
