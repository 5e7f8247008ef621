/** Records to store in a store's tests: a consumer, a request token and an access token. */
import type { AccessToken, Consumer, RequestToken } from '../provider/model.js';

/**
 * A consumer to store, with `overrides`.
 *
 * @example
 * ```ts
 * await store.putConsumer(consumerFixture({ status: 'suspended' }));
 * ```
 */
export function consumerFixture(overrides: Partial<Consumer> = {}): Consumer {
  return {
    key: 'k'.repeat(32),
    secret: 's'.repeat(32),
    name: 'Printer',
    description: 'Prints photos',
    owner: 'alice',
    callback: 'https://printer.example.com/ready',
    scopes: ['read_public', 'write_private'],
    signatureMethods: ['HMAC-SHA1', 'RSA-SHA256'],
    twoLegged: true,
    rsaPublicKey: '-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n',
    lti: false,
    status: 'active',
    createdAt: 1_700_000_000_000,
    ...overrides,
  };
}

/** A pending request token of {@link consumerFixture}'s consumer, with `overrides`. */
export function requestTokenFixture(overrides: Partial<RequestToken> = {}): RequestToken {
  return {
    token: 'r'.repeat(32),
    secret: 'rs'.repeat(16),
    consumerKey: 'k'.repeat(32),
    callback: 'https://printer.example.com/ready',
    scopes: ['read_public'],
    state: 'pending',
    verifierFailures: 0,
    createdAt: 1_700_000_000_000,
    expiresAt: 1_700_000_300_000,
    ...overrides,
  };
}

/** An access token bob granted {@link consumerFixture}'s consumer, with `overrides`. */
export function accessTokenFixture(overrides: Partial<AccessToken> = {}): AccessToken {
  return {
    token: 'a'.repeat(32),
    secret: 'as'.repeat(16),
    consumerKey: 'k'.repeat(32),
    user: 'bob',
    scopes: ['read_public'],
    createdAt: 1_700_000_100_000,
    ...overrides,
  };
}
