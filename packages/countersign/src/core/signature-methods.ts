/**
 * The signature methods behind one interface, RFC 5849 §3.4: HMAC-SHA1 (§3.4.2), RSA-SHA1 (§3.4.3),
 * PLAINTEXT (§3.4.4), and the HMAC-SHA256, HMAC-SHA512 and RSA-SHA256 variants built the same way.
 * Verification always compares in constant time.
 */
import {
  createPublicKey,
  hash,
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

/** The block and output sizes of each HMAC digest, in bytes (RFC 2104 "B" and "L"; FIPS 180-4). */
const SIZES = {
  sha1: { block: 64, output: 20 },
  sha256: { block: 64, output: 32 },
  sha512: { block: 128, output: 64 },
} as const;
type HmacDigest = keyof typeof SIZES;

/** Room kept after the inner pad for the text; longer texts get a buffer of their own. */
const TEXT_ROOM = 4096;
/** Padded keys are kept for this many distinct consumer secrets, then the cache starts over. */
const DERIVED_KEYS_KEPT = 10_000;

/**
 * The two padded blocks of an HMAC key (RFC 2104), worked out once: K XOR ipad, then K XOR opad,
 * one block each, in one buffer of twice the block size.
 */
function padKey(algorithm: HmacDigest, key: string): Buffer {
  const blockSize = SIZES[algorithm].block;
  let bytes = Buffer.from(key, 'utf8');
  // RFC 2104 §2: "Applications that use keys longer than B bytes will first hash the key".
  if (bytes.length > blockSize) bytes = hash(algorithm, bytes, 'buffer');
  const pads = Buffer.alloc(2 * blockSize);
  for (let i = 0; i < blockSize; i++) {
    const k = bytes[i] ?? 0;
    pads[i] = k ^ 0x36;
    pads[blockSize + i] = k ^ 0x5c;
  }
  return pads;
}

/**
 * HMAC with padded keys derived once per pair of secrets and found again by the two secrets
 * themselves, whose hashes the engine computes once per string: each signature costs two one-shot
 * digests, H((K ^ opad) ‖ H((K ^ ipad) ‖ text)), instead of an HMAC object that hashes the key
 * again (it is longer than a block for two 32-character secrets) and both pads every time. The two
 * messages are assembled in buffers kept for the purpose, so a kept key costs only its pads.
 */
function hmacSigner(algorithm: HmacDigest): (text: string, c: SigningCredentials) => string {
  const { block: blockSize, output } = SIZES[algorithm];
  const keys = new Map<string, Map<string, Buffer>>();
  const keyFor = (consumerSecret: string, tokenSecret: string): Buffer => {
    let byToken = keys.get(consumerSecret);
    if (byToken === undefined) {
      if (keys.size >= DERIVED_KEYS_KEPT) keys.clear();
      byToken = new Map();
      keys.set(consumerSecret, byToken);
    }
    let pads = byToken.get(tokenSecret);
    if (pads === undefined) {
      if (byToken.size >= DERIVED_KEYS_KEPT) byToken.clear();
      pads = padKey(algorithm, signingKey(consumerSecret, tokenSecret));
      byToken.set(tokenSecret, pads);
    }
    return pads;
  };
  // K XOR ipad and the text; K XOR opad and the inner digest.
  const inner = Buffer.alloc(blockSize + TEXT_ROOM);
  const outer = Buffer.alloc(blockSize + output);
  return (text, c) => {
    const pads = keyFor(c.consumerSecret, c.tokenSecret);
    pads.copy(inner, 0, 0, blockSize);
    pads.copy(outer, 0, blockSize, 2 * blockSize);
    const written = inner.write(text, blockSize, 'utf8');
    // A text that may not have fitted (UTF-8 stops short of a character it cannot finish) is
    // digested from a buffer of its own.
    const innerText =
      written < TEXT_ROOM - 3
        ? inner.subarray(0, blockSize + written)
        : Buffer.concat([inner.subarray(0, blockSize), Buffer.from(text, 'utf8')]);
    // The inner digest comes back as a 'binary' (latin1) string, one character per byte, which is
    // written after the outer pad without allocating a Buffer for it.
    outer.write(hash(algorithm, innerText, 'binary'), blockSize, 'latin1');
    return hash(algorithm, outer, 'base64');
  };
}

function hmac(name: SignatureMethodName, digest: HmacDigest): SignatureMethod {
  const sign = hmacSigner(digest);
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
