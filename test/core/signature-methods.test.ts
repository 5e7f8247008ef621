/**
 * Signature methods beyond the vectors: RSA-SHA256 with a fresh key pair, public keys in every form,
 * and verification that refuses near misses.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  constantTimeEqual,
  SIGNATURE_METHOD_NAMES,
  SIGNATURE_METHODS,
} from '../../src/core/signature-methods.js';

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
