/**
 * Check 12: the (consumer, token, timestamp, nonce) combination is new (RFC 5849 §3.3) →
 * `nonce_used`. Runs only after the signature is valid, so nobody can burn a client's nonces; the
 * store records it atomically until the timestamp leaves the window (its last second included),
 * which bounds its memory.
 */
import { OAuthProblem } from '../../problems/oauth-problem.js';
import type { CheckContext } from '../context.js';
import { andThen } from '../maybe-promise.js';
import { timestampAcceptedUntil } from './check-timestamp.js';

/** The running state of the fingerprint: two 32-bit lanes (cyrb53's multipliers). */
let lane1 = 0;
let lane2 = 0;

function absorb(value: string): void {
  let a = lane1;
  let b = lane2;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    a = Math.imul(a ^ code, 2654435761);
    b = Math.imul(b ^ code, 1597334677);
  }
  // A separator, so that moving characters from one value to the next changes the key.
  lane1 = Math.imul(a ^ 0x10000, 2654435761);
  lane2 = Math.imul(b ^ 0x10000, 1597334677);
}

const KEY_ALPHABET = Array.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/', (c) =>
  c.charCodeAt(0),
);

function keyChar(sixBits: number): number {
  return KEY_ALPHABET[sixBits & 63] as number;
}

/**
 * The store key of one (consumer, token, timestamp, nonce) combination: the timestamp, then a 64-bit
 * fingerprint of the four values (two cyrb53 lanes) in 11 characters, however long the nonce is —
 * a fresh string that keeps no part of the request alive (the values themselves are slices of it).
 * Leading with the timestamp keeps a database's nonce index in time order, so that recording the
 * nonces of one moment touches a few neighbouring pages rather than pages all over the index.
 *
 * A replay has the same four values, so the same key, and is always refused. A different
 * combination shares a key with a probability of about n / 2^64 for n nonces in the window
 * (5e-14 with a million), and the only effect would be to refuse that request as `nonce_used`: a
 * collision can refuse a request, never accept a replay.
 */
export function nonceKey(consumerKey: string, token: string, timestamp: string, nonce: string): string {
  lane1 = 0xdeadbeef;
  lane2 = 0x41c6ce57;
  absorb(consumerKey);
  absorb(token);
  absorb(timestamp);
  absorb(nonce);
  let x = Math.imul(lane1 ^ (lane1 >>> 16), 2246822507);
  x ^= Math.imul(lane2 ^ (lane2 >>> 13), 3266489909);
  let y = Math.imul(lane2 ^ (lane2 >>> 16), 2246822507);
  y ^= Math.imul(x ^ (x >>> 13), 3266489909);
  const fingerprint = String.fromCharCode(
    keyChar(x),
    keyChar(x >>> 6),
    keyChar(x >>> 12),
    keyChar(x >>> 18),
    keyChar(x >>> 24),
    keyChar((x >>> 30) | (y << 2)),
    keyChar(y >>> 4),
    keyChar(y >>> 10),
    keyChar(y >>> 16),
    keyChar(y >>> 22),
    keyChar(y >>> 28),
  );
  return `${timestamp}-${fingerprint}`;
}

export function checkNonce({ oauth, now, config }: CheckContext): void | PromiseLike<void> {
  const nonce = oauth.get('oauth_nonce');
  if (nonce === undefined) return;
  const timestamp = oauth.get('oauth_timestamp');
  const key = nonceKey(
    oauth.get('oauth_consumer_key') ?? '',
    oauth.get('oauth_token') ?? '',
    timestamp ?? '',
    nonce,
  );
  const window = config.timestampWindow;
  // Kept for as long as a copy of the request could pass the timestamp check.
  const expiresAt =
    timestamp === undefined ? now + window * 1000 : timestampAcceptedUntil(Number(timestamp), window);
  return andThen(config.store.recordNonce(key, now, expiresAt), refuseReplay);
}

function refuseReplay(recorded: boolean): void {
  if (!recorded) throw new OAuthProblem('nonce_used');
}
