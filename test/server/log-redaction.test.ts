/**
 * maskUrl: secret-bearing query values are masked however their names are encoded, and a malformed
 * encoding neither throws nor lets a value through.
 */
import { describe, expect, it } from 'vitest';
import { maskUrl } from '../../packages/server/src/server/log-redaction.js';

const SECRET = 'cs-secret&ts-secret';

describe('maskUrl', () => {
  it.each([
    'oauth_signature',
    'oauth%5Fsignature',
    'oauth%5fsignature',
    'OAuth_Signature',
    'oauth%255Fsignature',
    '%6Fauth_signature',
    'oauth_verifier',
    'oauth%5Fverifier',
    'oauth_token_secret',
    'oauth_token%5Fsecret',
    'password',
    'pass%77ord',
    'oauth_signature%',
    'oauth_signature%zz',
    '%E0%A4%A_oauth_signature',
  ])('masks the value of %s', (name) => {
    const value = encodeURIComponent(SECRET);
    const masked = maskUrl(`/api/v1/me?a=1&${name}=${value}&b=2`);
    expect(masked).not.toContain(value);
    expect(masked).toBe(`/api/v1/me?a=1&${name}=[redacted]&b=2`);
  });

  it('keeps everything else as sent, the token included', () => {
    const url = '/oauth/authorize?oauth_token=abc&next=%2Fx&x=%zz&&y';
    expect(maskUrl(url)).toBe(url);
    expect(maskUrl('/plain/path')).toBe('/plain/path');
  });

  it('masks a name sent with no value', () => {
    expect(maskUrl('/x?oauth_signature')).toBe('/x?oauth_signature=[redacted]');
  });
});
