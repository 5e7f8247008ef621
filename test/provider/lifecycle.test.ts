/**
 * The provider's lifecycle operations: changing a consumer's settings, rotating its secret (the grace
 * period has its own file, secret-rotation.test.ts), suspending, resuming, disabling and deleting a
 * consumer, revoking an access token, adding, suspending and resuming a user; and that a disabled
 * consumer stays disabled whoever asks.
 */
import { generateKeyPairSync } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { signRequest } from '../../packages/countersign/src/client/sign-request.js';
import { parseFormEncoded } from '../../packages/countersign/src/core/parameters.js';
import { isOAuthProblem } from '../../packages/countersign/src/problems/oauth-problem.js';
import { ProviderInputError } from '../../packages/countersign/src/provider/errors.js';
import type { Consumer } from '../../packages/countersign/src/provider/model.js';
import { createProvider, type Provider } from '../../packages/countersign/src/provider/provider.js';
import type { OAuthRequest } from '../../packages/countersign/src/provider/request.js';
import { MemoryStore } from '../../packages/countersign/src/stores/memory-store.js';

const NOW = 1_800_000_000_000;

let store: MemoryStore;
let provider: Provider;
let consumer: Consumer;

beforeEach(async () => {
  store = new MemoryStore();
  provider = createProvider({ store, clock: () => NOW });
  await store.putUser({ name: 'bob', status: 'active', createdAt: 0 });
  consumer = await provider.registerConsumer({
    name: 'App',
    owner: 'alice',
    callback: 'oob',
    scopes: ['read'],
    twoLegged: true,
  });
});

/** A GET of a protected resource signed with `secret` (and a token, for three-legged). */
function resource(secret: string, token?: { token: string; secret: string }): OAuthRequest {
  const signed = signRequest({
    method: 'GET',
    url: 'http://provider.test/api',
    consumerKey: consumer.key,
    consumerSecret: secret,
    timestamp: String(NOW / 1000),
    ...(token ? { token: token.token, tokenSecret: token.secret } : {}),
  });
  return {
    method: 'GET',
    target: '/api',
    headers: { host: 'provider.test', authorization: signed.authorization },
    secure: false,
  };
}

async function problemOf(request: OAuthRequest): Promise<string> {
  try {
    await provider.verify(request);
    return 'none';
  } catch (error) {
    if (isOAuthProblem(error)) return error.problem;
    throw error;
  }
}

async function inputErrorOf(run: Promise<unknown>): Promise<string> {
  try {
    await run;
    return 'none';
  } catch (error) {
    if (error instanceof ProviderInputError) return error.code;
    throw error;
  }
}

/** Runs the out-of-band three-legged flow for bob; returns the access token. */
async function grantAccess(): Promise<{ token: string; secret: string }> {
  const form = async (response: Promise<{ body: string }>) =>
    Object.fromEntries(parseFormEncoded((await response).body, 'body').map((p) => [p.name, p.value]));
  const sign = (extra: Record<string, string>, token?: { token: string; secret: string }, path = '') => {
    const signed = signRequest({
      method: 'POST',
      url: `http://provider.test${path}`,
      consumerKey: consumer.key,
      consumerSecret: consumer.secret,
      timestamp: String(NOW / 1000),
      extra,
      ...(token ? { token: token.token, tokenSecret: token.secret } : {}),
    });
    return {
      method: 'POST',
      target: path,
      headers: { host: 'provider.test', authorization: signed.authorization },
      secure: false,
    };
  };
  const initiated = await form(
    provider.initiate(sign({ oauth_callback: 'oob' }, undefined, '/oauth/initiate')),
  );
  const request = { token: initiated.oauth_token ?? '', secret: initiated.oauth_token_secret ?? '' };
  const { verifier = '' } = await provider.decide(request.token, { user: 'bob', approve: true });
  const access = await form(provider.token(sign({ oauth_verifier: verifier }, request, '/oauth/token')));
  return { token: access.oauth_token ?? '', secret: access.oauth_token_secret ?? '' };
}

describe('updateConsumer', () => {
  it('changes the settings given, keeps the rest, and the engine sees the change', async () => {
    expect(await problemOf(resource(consumer.secret))).toBe('none');
    const changed = await provider.updateConsumer(consumer.key, {
      name: '  Renamed  ',
      description: 'Now with a description',
      callback: 'https://app.example/ready',
      scopes: ['read', 'write', 'read'],
      twoLegged: false,
    });
    expect(changed).toMatchObject({
      key: consumer.key,
      secret: consumer.secret,
      owner: 'alice',
      status: 'active',
      name: 'Renamed',
      description: 'Now with a description',
      callback: 'https://app.example/ready',
      scopes: ['read', 'write'],
      signatureMethods: ['HMAC-SHA1'],
      twoLegged: false,
    });
    expect(store.getConsumer(consumer.key)).toEqual(changed);
    expect(await problemOf(resource(consumer.secret))).toBe('consumer_key_invalid');
    const removed = await provider.updateConsumer(consumer.key, { description: null });
    expect(removed.description).toBeUndefined();
    expect(removed.name).toBe('Renamed');
  });

  it('checks the result as a registration is checked, and changes nothing when refused', async () => {
    for (const changes of [
      { name: ' ' },
      { name: 'x'.repeat(101) },
      { callback: 'ftp://app.example/' },
      { callback: 'https://user@app.example/' },
      { signatureMethods: [] },
      { signatureMethods: ['HMAC-MD5'] },
      { signatureMethods: ['RSA-SHA1'] },
      { scopes: ['read all'] },
      { rsaPublicKey: 'not a key' },
    ]) {
      expect(
        await inputErrorOf(provider.updateConsumer(consumer.key, changes)),
        JSON.stringify(changes),
      ).toBe('invalid_consumer');
    }
    expect(store.getConsumer(consumer.key)).toEqual(consumer);
  });

  it('refuses to remove the RSA key of a consumer that signs with RSA', async () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    await provider.updateConsumer(consumer.key, { signatureMethods: ['RSA-SHA256'], rsaPublicKey: pem });
    expect(await inputErrorOf(provider.updateConsumer(consumer.key, { rsaPublicKey: null }))).toBe(
      'invalid_consumer',
    );
    const hmac = await provider.updateConsumer(consumer.key, {
      signatureMethods: ['HMAC-SHA1'],
      rsaPublicKey: null,
    });
    expect(hmac.rsaPublicKey).toBeUndefined();
  });

  it('refuses an unknown consumer', async () => {
    expect(await inputErrorOf(provider.updateConsumer('z'.repeat(32), { name: 'x' }))).toBe(
      'unknown_consumer',
    );
  });
});

describe('rotateConsumerSecret', () => {
  it('yields a new secret that verifies, and the old one is refused', async () => {
    expect(await problemOf(resource(consumer.secret))).toBe('none');
    const rotated = await provider.rotateConsumerSecret(consumer.key);
    expect(rotated.secret).not.toBe(consumer.secret);
    expect(store.getConsumer(consumer.key)?.secret).toBe(rotated.secret);
    expect(await problemOf(resource(rotated.secret))).toBe('none');
    expect(await problemOf(resource(consumer.secret))).toBe('signature_invalid');
  });

  it('refuses an unknown consumer', async () => {
    expect(await inputErrorOf(provider.rotateConsumerSecret('z'.repeat(32)))).toBe('unknown_consumer');
  });
});

describe('suspendConsumer and resumeConsumer', () => {
  it('suspend refuses the consumer as consumer_key_refused, and resume lets it in again', async () => {
    expect((await provider.suspendConsumer(consumer.key)).status).toBe('suspended');
    expect(await problemOf(resource(consumer.secret))).toBe('consumer_key_refused');
    expect((await provider.resumeConsumer(consumer.key)).status).toBe('active');
    expect(await problemOf(resource(consumer.secret))).toBe('none');
  });

  it('refuse an unknown consumer', async () => {
    expect(await inputErrorOf(provider.suspendConsumer('z'.repeat(32)))).toBe('unknown_consumer');
    expect(await inputErrorOf(provider.resumeConsumer('z'.repeat(32)))).toBe('unknown_consumer');
  });
});

describe('disableConsumer', () => {
  it('refuses the consumer for good: a disabled consumer cannot be resumed or suspended', async () => {
    expect((await provider.disableConsumer(consumer.key)).status).toBe('disabled');
    expect(await problemOf(resource(consumer.secret))).toBe('consumer_key_rejected');
    expect(await inputErrorOf(provider.resumeConsumer(consumer.key))).toBe('consumer_disabled');
    expect(await inputErrorOf(provider.suspendConsumer(consumer.key))).toBe('consumer_disabled');
    expect(store.getConsumer(consumer.key)?.status).toBe('disabled');
    expect(await problemOf(resource(consumer.secret))).toBe('consumer_key_rejected');
  });

  it('is idempotent', async () => {
    await provider.disableConsumer(consumer.key);
    expect((await provider.disableConsumer(consumer.key)).status).toBe('disabled');
  });
});

describe('deleteConsumer', () => {
  it('deletes the consumer and its tokens, so its requests name an unknown key', async () => {
    const access = await grantAccess();
    await provider.deleteConsumer(consumer.key);
    expect(store.getConsumer(consumer.key)).toBeUndefined();
    expect(store.getAccessToken(access.token)).toBeUndefined();
    expect(await problemOf(resource(consumer.secret))).toBe('consumer_key_unknown');
  });
});

describe('revokeAccessToken', () => {
  it('makes the token refused as token_revoked', async () => {
    const access = await grantAccess();
    expect(await problemOf(resource(consumer.secret, access))).toBe('none');
    expect(await provider.revokeAccessToken(access.token)).toBe(true);
    expect(store.getAccessToken(access.token)?.revokedAt).toBe(NOW);
    expect(await problemOf(resource(consumer.secret, access))).toBe('token_revoked');
  });

  it('says whether the token exists', async () => {
    expect(await provider.revokeAccessToken('t'.repeat(32))).toBe(false);
  });
});

describe('addUser, suspendUser and resumeUser', () => {
  it('adds an active user once, even when many add the name at once', async () => {
    const added = await Promise.allSettled(Array.from({ length: 10 }, () => provider.addUser('carol')));
    expect(added.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(await inputErrorOf(provider.addUser('carol'))).toBe('user_exists');
    expect(store.getUser('carol')).toEqual({ name: 'carol', status: 'active', createdAt: NOW });
    expect(await inputErrorOf(provider.addUser(''))).toBe('invalid_user');
  });

  it('suspending refuses the tokens the user granted as user_refused, and resuming lets them in again', async () => {
    const access = await grantAccess();
    expect(await provider.suspendUser('bob')).toMatchObject({ name: 'bob', status: 'suspended' });
    expect(await problemOf(resource(consumer.secret, access))).toBe('user_refused');
    expect(await provider.suspendUser('bob')).toMatchObject({ status: 'suspended' });
    expect(await provider.resumeUser('bob')).toMatchObject({ status: 'active' });
    expect(await problemOf(resource(consumer.secret, access))).toBe('none');
  });

  it('refuse an unknown user', async () => {
    expect(await inputErrorOf(provider.suspendUser('nobody'))).toBe('unknown_user');
    expect(await inputErrorOf(provider.resumeUser('nobody'))).toBe('unknown_user');
  });
});
