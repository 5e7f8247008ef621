/**
 * `provider.importCredentials`: consumers and access tokens from another provider keep their keys
 * and secrets, so a request signed as before verifies; every fault of every record is reported, and
 * an import with one writes nothing.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { signRequest } from '../../packages/countersign/src/client/sign-request.js';
import { ProviderInputError } from '../../packages/countersign/src/provider/errors.js';
import type {
  ImportedAccessToken,
  ImportedConsumer,
} from '../../packages/countersign/src/provider/import-credentials.js';
import { createProvider, type Provider } from '../../packages/countersign/src/provider/provider.js';
import type { OAuthRequest } from '../../packages/countersign/src/provider/request.js';
import type { ImportBatch } from '../../packages/countersign/src/provider/store.js';
import { MemoryStore } from '../../packages/countersign/src/stores/memory-store.js';

const NOW = 1_800_000_000_000;
const CONSUMER: ImportedConsumer = {
  key: 'qv3l2wtykxrbam9pjz0f8ogh1ucn5di7',
  secret: 'b1fmq6ywhn2ktz0vjx9sg3cpo8dlr4ea',
  name: 'Warehouse sync',
  owner: 'admin-1',
  callback: 'https://warehouse.example/oauth',
  scopes: ['catalog', 'orders'],
  createdAt: 1_600_000_000_000,
};
const TOKEN: ImportedAccessToken = {
  token: 'h7x0c2vq9pmd4ryk1wzj8tgs6lbfa3ne',
  secret: 'u5o9e2kq7zrc1tx8mjv4wh0ybgd3lfsp',
  consumerKey: CONSUMER.key,
  user: 'customer-42',
};

let store: MemoryStore;
let provider: Provider;

beforeEach(() => {
  store = new MemoryStore();
  provider = createProvider({ store, clock: () => NOW });
});

function resource(consumerSecret: string, token = TOKEN): OAuthRequest {
  const signed = signRequest({
    method: 'GET',
    url: 'http://provider.test/api/orders',
    consumerKey: CONSUMER.key,
    consumerSecret,
    token: token.token,
    tokenSecret: token.secret,
    timestamp: String(NOW / 1000),
  });
  const headers = { host: 'provider.test', authorization: signed.authorization };
  return { method: 'GET', target: '/api/orders', headers, secure: false };
}

async function refusal(run: Promise<unknown>): Promise<ProviderInputError> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderInputError);
  expect((error as ProviderInputError).code).toBe('import_refused');
  return error as ProviderInputError;
}

describe('importCredentials', () => {
  it('imports a consumer and a token so that a request signed with the old credentials verifies', async () => {
    const summary = await provider.importCredentials({ consumers: [CONSUMER], accessTokens: [TOKEN] });
    expect(summary).toEqual({ consumers: 1, accessTokens: 1, addedUsers: ['customer-42'] });
    const verified = await provider.verify(resource(CONSUMER.secret), { scope: 'orders' });
    expect(verified.consumer.key).toBe(CONSUMER.key);
    expect(verified.user).toBe('customer-42');
    // Without scopes a token has all its consumer's; the created time is the old provider's.
    expect(verified.scopes).toEqual(['catalog', 'orders']);
    expect(store.getConsumer(CONSUMER.key)?.createdAt).toBe(1_600_000_000_000);
    expect(store.getAccessToken(TOKEN.token)?.createdAt).toBe(NOW);
    await expect(provider.verify(resource('not-the-secret'))).rejects.toMatchObject({
      problem: 'signature_invalid',
    });
  });

  it('imports a token of a consumer already stored, and keeps a revoked one revoked', async () => {
    await provider.importCredentials({ consumers: [CONSUMER] });
    await provider.importCredentials({ accessTokens: [{ ...TOKEN, revokedAt: NOW - 1 }] });
    await expect(provider.verify(resource(CONSUMER.secret))).rejects.toMatchObject({
      problem: 'token_revoked',
    });
  });

  it('reports every fault of every record, and imports nothing', async () => {
    const error = await refusal(
      provider.importCredentials({
        consumers: [
          CONSUMER,
          { ...CONSUMER, key: 'two', callback: 'ftp://nope', extra: 1 } as ImportedConsumer,
          { ...CONSUMER },
          { ...CONSUMER, key: 'three', secret: '' },
        ],
        accessTokens: [
          TOKEN,
          { ...TOKEN, token: 'orphan', consumerKey: 'nobody' },
          { ...TOKEN, token: 'greedy', scopes: ['admin'] },
          { ...TOKEN, token: 'late', createdAt: -5 },
          { ...TOKEN, token: 'letters', scopes: 'orders' as unknown as string[] },
        ],
      }),
    );
    expect(error.faults.map((f) => [f.list, f.index, f.key])).toEqual([
      ['consumers', 1, 'two'],
      ['consumers', 2, CONSUMER.key],
      ['consumers', 3, 'three'],
      ['accessTokens', 1, 'orphan'],
      ['accessTokens', 2, 'greedy'],
      ['accessTokens', 3, 'late'],
      ['accessTokens', 4, 'letters'],
    ]);
    expect(error.faults[0]?.message).toBe('unknown fields: extra');
    expect(error.faults[1]?.message).toBe('the same key as consumers[0]');
    expect(error.faults[2]?.message).toBe('secret is required');
    expect(error.faults[3]?.message).toBe('no consumer has the key nobody, in the import or the store');
    expect(error.faults[4]?.message).toBe('scopes its consumer may not request: admin');
    expect(error.faults[6]?.message).toBe('scopes must be a list of names');
    expect(error.message).toMatch(/^nothing imported: consumers\[1\]: unknown fields: extra \(and 6 more\)$/);
    expect(JSON.stringify(error.faults)).not.toContain(CONSUMER.secret);
    expect(store.getConsumer(CONSUMER.key)).toBeUndefined();
    expect(store.getAccessToken(TOKEN.token)).toBeUndefined();
    expect(store.getUser('customer-42')).toBeUndefined();
  });

  it('refuses a key already stored unless told to replace it', async () => {
    await provider.importCredentials({ consumers: [CONSUMER], accessTokens: [TOKEN] });
    const rotated = { ...CONSUMER, secret: 'a-new-secret' };
    const error = await refusal(provider.importCredentials({ consumers: [rotated], accessTokens: [TOKEN] }));
    expect(error.faults.map((f) => f.message)).toEqual([
      `a consumer with the key ${CONSUMER.key} is already stored`,
      `an access token ${TOKEN.token} is already stored`,
    ]);
    expect(store.getConsumer(CONSUMER.key)?.secret).toBe(CONSUMER.secret);
    await provider.importCredentials({ consumers: [rotated] }, { replace: true });
    await provider.verify(resource('a-new-secret'));
  });

  it('with replace, leaves a consumer disabled or suspended here so, and a token revoked here revoked', async () => {
    const other = { ...CONSUMER, key: 'second-consumer-key' };
    const later = { ...TOKEN, token: 'second-access-token', revokedAt: NOW + 5 };
    await provider.importCredentials({ consumers: [CONSUMER, other], accessTokens: [TOKEN, later] });
    await provider.disableConsumer(CONSUMER.key);
    await provider.suspendConsumer(other.key);
    await provider.revokeAccessToken(TOKEN.token);
    await provider.revokeAccessToken(later.token);
    const batches: ImportBatch[] = [];
    const write = store.importRecords.bind(store);
    store.importRecords = (batch) => (batches.push(batch), write(batch));
    const rotated = { ...CONSUMER, secret: 'a-new-secret' };
    await provider.importCredentials(
      { consumers: [rotated, other], accessTokens: [TOKEN, { ...later, revokedAt: NOW - 5 }] },
      { replace: true },
    );
    // Decided before the store writes, so every store is given the same records.
    expect(batches[0]?.consumers.map((c) => c.status)).toEqual(['disabled', 'suspended']);
    expect(batches[0]?.accessTokens.map((t) => t.revokedAt)).toEqual([NOW, NOW - 5]);
    expect(store.getConsumer(CONSUMER.key)?.secret).toBe('a-new-secret');
    await expect(provider.verify(resource('a-new-secret'))).rejects.toMatchObject({
      problem: 'consumer_key_rejected',
    });
    await expect(provider.resumeConsumer(CONSUMER.key)).rejects.toThrow();
  });

  it('needs only importRecords of the store when the application keeps its users', async () => {
    // The store's users left out, as in a store written for an application that keeps its own.
    const withoutUsers = new Proxy(store, {
      get: (target, name) => {
        const value: unknown = Reflect.get(target, name);
        if (name === 'getUser' || typeof value !== 'function') return undefined;
        return (value as (...args: unknown[]) => unknown).bind(target);
      },
    });
    const hosted = createProvider({
      store: withoutUsers,
      clock: () => NOW,
      users: { isSuspended: () => false },
    });
    const summary = await hosted.importCredentials(
      { consumers: [CONSUMER], accessTokens: [TOKEN] },
      { addOwners: true },
    );
    expect(summary.addedUsers).toEqual([]);
    expect(store.getUser(TOKEN.user)).toBeUndefined();
    await hosted.verify(resource(CONSUMER.secret));
  });

  it('adds owners as users only when asked, and leaves stored users as they are', async () => {
    await provider.addUser('customer-42');
    await provider.suspendUser('customer-42');
    const summary = await provider.importCredentials(
      { consumers: [CONSUMER], accessTokens: [TOKEN] },
      { addOwners: true },
    );
    expect(summary.addedUsers).toEqual(['admin-1']);
    expect(store.getUser('customer-42')?.status).toBe('suspended');
    await expect(provider.verify(resource(CONSUMER.secret))).rejects.toMatchObject({
      problem: 'user_refused',
    });
  });
});
