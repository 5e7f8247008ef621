/**
 * Check 12: the (consumer, token, timestamp, nonce) combination is new (RFC 5849 §3.3) →
 * `nonce_used`. Runs only after the signature is valid, so nobody can burn a client's nonces; the
 * store records it atomically until the timestamp leaves the window, which bounds its memory.
 */
import { createHash } from 'node:crypto';
import { OAuthProblem } from '../../problems/oauth-problem.js';
import type { CheckContext } from '../context.js';

export async function checkNonce({ oauth, now, config }: CheckContext): Promise<void> {
  const nonce = oauth.get('oauth_nonce');
  if (nonce === undefined) return;
  const timestamp = oauth.get('oauth_timestamp');
  // Hashed so that a long nonce costs the store no more than a short one.
  const key = createHash('sha256')
    .update(
      [oauth.get('oauth_consumer_key'), oauth.get('oauth_token') ?? '', timestamp ?? '', nonce].join('\n'),
    )
    .digest('base64');
  const from = timestamp === undefined ? now : Number(timestamp) * 1000;
  const recorded = await config.store.recordNonce(key, now, from + config.timestampWindow * 1000);
  if (!recorded) throw new OAuthProblem('nonce_used');
}
