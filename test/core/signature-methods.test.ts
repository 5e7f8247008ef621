/**
 * Signature methods beyond the vectors: RSA-SHA256 with a fresh key pair, public keys in every form,
 * and verification that refuses near misses.
 */
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  constantTimeEqual,
  SIGNATURE_METHOD_NAMES,
  SIGNATURE_METHODS,
  signingKey,
} from '../../packages/countersign/src/core/signature-methods.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const credentials = {
  consumerSecret: 'c&s',
  tokenSecret: 't s',
  privateKey,
  publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
};

describe.each(SIGNATURE_METHOD_NAMES)('%s', (name) => {
  const method = SIGNATURE_METHODS[name];
  const base = 'GET&http%3A%2F%2Fexample.com%2F&a%3D1';
  const signature = method.sign(base, credentials);

  it('verifies its own signature', () => {
    expect(method.verify(base, signature, credentials)).toBe(true);
  });

  it('refuses a flipped character and a truncated signature', () => {
    const flipped = (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1);
    expect(method.verify(base, flipped, credentials)).toBe(false);
    expect(method.verify(base, signature.slice(0, -2), credentials)).toBe(false);
    expect(method.verify(base, '', credentials)).toBe(false);
  });

  it('refuses the right signature under other secrets', () => {
    const other = {
      ...credentials,
      tokenSecret: 'other',
      publicKey: generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey,
    };
    expect(method.verify(base, signature, other)).toBe(false);
  });
});

describe('RSA without a public key', () => {
  it('never verifies', () => {
    const signature = SIGNATURE_METHODS['RSA-SHA256'].sign('bs', credentials);
    expect(
      SIGNATURE_METHODS['RSA-SHA256'].verify('bs', signature, { consumerSecret: '', tokenSecret: '' }),
    ).toBe(false);
  });
});

describe('constantTimeEqual', () => {
  it('compares strings of any length', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('ab', 'abc')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
  });
});

describe('HMAC methods against node:crypto createHmac', () => {
  const secrets: [string, string][] = [
    ['', ''],
    ['cs', ''],
    ['c'.repeat(31), 't'.repeat(32)], // a 64-byte key: exactly one SHA-1 block
    ['c'.repeat(32), 't'.repeat(32)], // 65 bytes: hashed first for SHA-1 and SHA-256, not SHA-512
    ['c'.repeat(100), 't'.repeat(100)], // longer than SHA-512's 128-byte block
    ['sécret ☃', 'tøken&%'],
  ];
  // Texts on both sides of the room kept after the inner pad (4,096 bytes), in ASCII and with a
  // three-byte character that may not fit.
  const texts = ['', 'GET&http%3A%2F%2Fexample.com%2F&a%3D1', 'é☃'];
  for (const length of [4091, 4092, 4093, 4095, 4096, 4097, 9000]) {
    texts.push('x'.repeat(length));
    texts.push(`${'x'.repeat(length - 3)}☃`);
  }
  const digests = { 'HMAC-SHA1': 'sha1', 'HMAC-SHA256': 'sha256', 'HMAC-SHA512': 'sha512' } as const;

  it.each(Object.entries(digests))('%s gives the same signature for every key and text', (name, digest) => {
    const method = SIGNATURE_METHODS[name as keyof typeof digests];
    for (const [consumerSecret, tokenSecret] of secrets) {
      const key = signingKey(consumerSecret, tokenSecret);
      for (const text of texts) {
        const expected = createHmac(digest, key).update(text).digest('base64');
        expect(method.sign(text, { consumerSecret, tokenSecret })).toBe(expected);
      }
    }
  });

  it('signs a long text and then a short one with the same key correctly', () => {
    const credentials = { consumerSecret: 'cs', tokenSecret: 'ts' };
    const method = SIGNATURE_METHODS['HMAC-SHA1'];
    method.sign('y'.repeat(5000), credentials);
    const expected = createHmac('sha1', 'cs&ts').update('short').digest('base64');
    expect(method.sign('short', credentials)).toBe(expected);
  });
});
