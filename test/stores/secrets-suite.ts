/**
 * The secrets-at-rest suite the SQLite and PostgreSQL stores both run: a whole dance through a store
 * with a keyring leaves no secret readable in the database (the server's own sealed settings are
 * tested with its data), a ciphertext moved to another row does
 * not open, a wrong or missing key is refused at open, rotation lets the old key go, and a database
 * from before (secrets in clear) is sealed in place.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signRequest } from '../../packages/countersign/src/client/sign-request.js';
import { parseFormEncoded } from '../../packages/countersign/src/core/parameters.js';
import { createProvider } from '../../packages/countersign/src/provider/provider.js';
import { Keyring, SecretKeyError } from '../../packages/countersign/src/stores/secret-box.js';
import type { Store } from '../../packages/countersign/src/provider/store.js';
import {
  accessTokenFixture,
  consumerFixture,
  exchangeWithRightVerifier,
  requestTokenFixture,
} from './store-suite.js';

export type SecretStore = Store & { reencryptSecrets(): Promise<number> };

/** One database, opened as often as a test likes, and read and written around the store. */
export interface SecretsHarness {
  open(secrets?: Keyring): Promise<SecretStore>;
  /** Everything the database holds, as text: the file's bytes, or every table's rows. */
  everything(): Promise<string>;
  /** A column of the row whose `keyColumn` is `key`, in the store's table of that logical name. */
  column(table: string, column: string, keyColumn: string, key: string): Promise<string>;
  setColumn(table: string, column: string, keyColumn: string, key: string, value: string): Promise<void>;
  cleanup(): Promise<void>;
}

/** A key file line: a new key under `id`. */
export function keyLine(id: string): string {
  return `${id} ${randomBytes(32).toString('base64')}`;
}

/** The keyring of these key file lines, the first sealing. */
export function keyring(...lines: string[]): Keyring {
  return Keyring.parse(lines.join('\n'));
}

const NOW = 1_800_000_000_000;

/** Runs a three-legged dance through `store`, then a signed request; returns every secret made. */
async function dance(store: SecretStore): Promise<string[]> {
  const provider = createProvider({ store, clock: () => NOW });
  await store.putUser({ name: 'bob', status: 'active', createdAt: 0 });
  const consumer = await provider.registerConsumer({ name: 'App', owner: 'bob', callback: 'oob' });
  const signed = (
    path: string,
    extra: Record<string, string>,
    token?: { token: string; secret: string },
  ) => ({
    method: 'POST',
    target: path,
    headers: {
      host: 'provider.test',
      authorization: signRequest({
        method: 'POST',
        url: `http://provider.test${path}`,
        consumerKey: consumer.key,
        consumerSecret: consumer.secret,
        timestamp: String(NOW / 1000),
        ...(token ? { token: token.token, tokenSecret: token.secret } : {}),
        extra,
      }).authorization,
    },
    secure: false,
  });
  const pairs = (body: string) =>
    Object.fromEntries(parseFormEncoded(body, 'body').map((p) => [p.name, p.value]));
  const initiated = pairs(
    (await provider.initiate(signed('/oauth/initiate', { oauth_callback: 'oob' }))).body,
  );
  const request = { token: initiated.oauth_token ?? '', secret: initiated.oauth_token_secret ?? '' };
  const { verifier = '' } = await provider.decide(request.token, { user: 'bob', approve: true });
  const granted = pairs(
    (await provider.token(signed('/oauth/token', { oauth_verifier: verifier }, request))).body,
  );
  const access = { token: granted.oauth_token ?? '', secret: granted.oauth_token_secret ?? '' };
  expect(access.secret).toMatch(/^[a-z0-9]{32}$/);
  const verified = await provider.verify(signed('/api/me', {}, access));
  expect(verified.consumer.key).toBe(consumer.key);
  // Rotated with a grace period: the previous secret is kept, sealed, and still signs.
  const rotated = await provider.rotateConsumerSecret(consumer.key, { gracePeriod: 3600 });
  expect(rotated.previousSecret?.secret).toBe(consumer.secret);
  await provider.verify(signed('/api/me', { oauth_nonce: 'after-rotation' }, access));
  return [consumer.secret, rotated.secret, request.secret, access.secret];
}

/** The code of the `SecretKeyError` that `run` is refused with, or `'none'`. */
async function refusal(run: () => unknown): Promise<string> {
  try {
    await run();
  } catch (error) {
    if (error instanceof SecretKeyError) {
      // One line, naming no secret.
      expect(error.message).not.toContain('\n');
      return error.code;
    }
    throw error;
  }
  return 'none';
}

/** A consumer in a rotation's grace period, its previous secret kept. */
const ROTATED = consumerFixture({
  key: 'p'.repeat(32),
  secret: 'current-secret-of-rotated',
  previousSecret: { secret: 'previous-secret-of-rotated', expiresAt: NOW + 3_600_000 },
});

/** Every kind of secret, written through `store`. */
async function writeEverything(store: SecretStore): Promise<void> {
  await store.putConsumer(consumerFixture());
  await store.putConsumer(ROTATED);
  await store.createRequestToken(requestTokenFixture());
  await store.createRequestToken(
    requestTokenFixture({ token: 'q'.repeat(32), state: 'authorized', user: 'bob', verifier: 'v' }),
  );
  await exchangeWithRightVerifier(store, 'q'.repeat(32), accessTokenFixture());
}

/** Checks that `store` reads back every secret `writeEverything` wrote. */
async function expectEverything(store: SecretStore): Promise<void> {
  expect((await store.getConsumer(consumerFixture().key))?.secret).toBe(consumerFixture().secret);
  expect(await store.getConsumer(ROTATED.key)).toMatchObject({
    secret: ROTATED.secret,
    previousSecret: ROTATED.previousSecret,
  });
  expect((await store.getRequestToken(requestTokenFixture().token))?.secret).toBe(
    requestTokenFixture().secret,
  );
  expect((await store.getAccessToken(accessTokenFixture().token))?.secret).toBe(accessTokenFixture().secret);
}

export function runSecretsSuite(name: string, harness: () => Promise<SecretsHarness>): void {
  describe(`${name} secrets at rest`, () => {
    let h: SecretsHarness;
    let opened: SecretStore[] = [];
    const open = async (secrets?: Keyring) => {
      const store = await h.open(secrets);
      opened.push(store);
      return store;
    };
    const closeAll = async () => {
      for (const store of opened.reverse()) await store.close();
      opened = [];
    };
    beforeEach(async () => {
      h = await harness();
    });
    afterEach(async () => {
      await closeAll();
      await h.cleanup();
    });

    it('keeps no secret of a whole dance readable in the database', async () => {
      const secrets = await dance(await open(keyring(keyLine('k1'))));
      await closeAll();
      const everything = await h.everything();
      expect(everything).toContain('bob');
      for (const secret of secrets) expect(everything).not.toContain(secret);
      expect(await h.column('consumers', 'secret', 'owner', 'bob')).toMatch(/^enc:v1:k1:[A-Za-z0-9_-]+$/);
      expect(await h.column('consumers', 'previous_secret', 'owner', 'bob')).toMatch(
        /^enc:v1:k1:[A-Za-z0-9_-]+$/,
      );
    });

    it('refuses a ciphertext moved to another row', async () => {
      const store = await open(keyring(keyLine('k1')));
      const other = consumerFixture({ key: 'o'.repeat(32), secret: 'x'.repeat(32) });
      await store.putConsumer(consumerFixture());
      await store.putConsumer(other);
      await h.setColumn(
        'consumers',
        'secret',
        'key',
        other.key,
        await h.column('consumers', 'secret', 'key', consumerFixture().key),
      );
      await new Promise((resolve) => setImmediate(resolve));
      expect((await store.getConsumer(consumerFixture().key))?.secret).toBe(consumerFixture().secret);
      expect(await refusal(() => store.getConsumer(other.key))).toBe('secret_unreadable');
    });

    it('refuses at open a keyring without the key, a different key of the same id, and no keyring', async () => {
      const k1 = keyLine('k1');
      await writeEverything(await open(keyring(k1)));
      await closeAll();
      expect(await refusal(() => open(keyring(keyLine('k2'))))).toBe('key_unknown');
      expect(await refusal(() => open(keyring(keyLine('k1'))))).toBe('key_wrong');
      expect(await refusal(() => open())).toBe('keyring_required');
      await expectEverything(await open(keyring(k1)));
    });

    it('rotates: sealed under A, rotated to B, A removed, everything still reads', async () => {
      const a = keyLine('a');
      const b = keyLine('b');
      await writeEverything(await open(keyring(a)));
      await closeAll();
      // B first: new secrets are sealed under B, and A still opens the old ones.
      const both = await open(keyring(b, a));
      await both.putConsumer(consumerFixture({ key: 'n'.repeat(32), secret: 'new-secret' }));
      await expectEverything(both);
      // Without the rotation, B alone cannot open what A sealed.
      await closeAll();
      expect(await refusal(() => open(keyring(b)))).toBe('key_unknown');
      expect(await (await open(keyring(b, a))).reencryptSecrets()).toBeGreaterThanOrEqual(5);
      await closeAll();
      expect(await h.column('consumers', 'secret', 'key', consumerFixture().key)).toMatch(/^enc:v1:b:/);
      const onlyB = await open(keyring(b));
      await expectEverything(onlyB);
      expect((await onlyB.getConsumer('n'.repeat(32)))?.secret).toBe('new-secret');
    });

    it('seals in place, at the first open with a keyring, a database that kept its secrets in clear', async () => {
      // A store without a keyring writes as every store did before secrets were sealed.
      const before = await open();
      await writeEverything(before);
      await closeAll();
      expect(await h.column('consumers', 'secret', 'key', consumerFixture().key)).toBe(
        consumerFixture().secret,
      );
      const k1 = keyLine('k1');
      await expectEverything(await open(keyring(k1)));
      await closeAll();
      expect(await h.column('consumers', 'secret', 'key', consumerFixture().key)).toMatch(/^enc:v1:k1:/);
      const everything = await h.everything();
      for (const secret of [
        consumerFixture().secret,
        ROTATED.secret,
        ROTATED.previousSecret?.secret ?? '',
        requestTokenFixture().secret,
        accessTokenFixture().secret,
      ])
        expect(everything).not.toContain(secret);
      await expectEverything(await open(keyring(k1)));
    });
  });
}
