/**
 * The advice of `parameter_rejected` for protocol parameters sent more than once says where each
 * was sent, naming together those sent the same way.
 */
import { describe, expect, it } from 'vitest';
import type { Parameter, ParameterSource } from '../../packages/countersign/src/core/parameters.js';
import { duplicatesAdvice } from '../../packages/countersign/src/provider/checks/check-duplicates.js';
import { isOAuthProblem, type OAuthProblem } from '../../packages/countersign/src/problems/oauth-problem.js';
import { createProvider } from '../../packages/countersign/src/provider/provider.js';
import { MemoryStore } from '../../packages/countersign/src/stores/memory-store.js';

const sent = (...pairs: [string, ParameterSource][]): Parameter[] =>
  pairs.map(([name, source]) => ({ name, value: 'v', source }));

describe('duplicate protocol parameters', () => {
  it('names a parameter sent in two places', () => {
    expect(duplicatesAdvice(sent(['oauth_nonce', 'header'], ['oauth_nonce', 'query']))).toBe(
      'Send each protocol parameter once and in one place; this request has oauth_nonce in the header and in the query.',
    );
  });

  it('groups parameters repeated the same way, and says when every repetition is within one place', () => {
    const advice = duplicatesAdvice(
      sent(
        ['oauth_nonce', 'query'],
        ['oauth_timestamp', 'query'],
        ['oauth_token', 'query'],
        ['oauth_nonce', 'query'],
        ['oauth_timestamp', 'query'],
        ['oauth_token', 'query'],
      ),
    );
    expect(advice).toBe(
      'Send each protocol parameter once and in one place; this request has oauth_nonce, oauth_timestamp and oauth_token twice in the query. ' +
        'Each is repeated within one place, as happens when a client adds its parameters to a request that already has them.',
    );
  });

  it('keeps apart parameters repeated in different ways, and counts beyond two', () => {
    const advice = duplicatesAdvice(
      sent(
        ['oauth_token', 'header'],
        ['oauth_nonce', 'body'],
        ['oauth_token', 'body'],
        ['oauth_nonce', 'body'],
        ['oauth_nonce', 'body'],
        ['oauth_nonce', 'body'],
      ),
    );
    expect(advice).toBe(
      'Send each protocol parameter once and in one place; this request has oauth_token in the header and in the body; oauth_nonce 4 times in the body.',
    );
  });

  it('is the advice the engine answers with', async () => {
    const store = new MemoryStore();
    const provider = createProvider({ store });
    const refusal: unknown = await provider
      .verify({
        method: 'GET',
        target: '/r?oauth_nonce=a&oauth_nonce=b&oauth_timestamp=1&oauth_timestamp=1',
        headers: { host: 'provider.test' },
        secure: false,
      })
      .catch((error: unknown) => error);
    expect(isOAuthProblem(refusal, 'parameter_rejected')).toBe(true);
    expect((refusal as OAuthProblem).advice).toContain('oauth_nonce and oauth_timestamp twice in the query.');
  });
});
