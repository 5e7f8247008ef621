/**
 * The store suite's part on `importRecords`: a batch is written whole, or not at all — when a key
 * is already stored (without `replace`), and when a write fails half-way; with `replace`, a stored
 * consumer's status other than active and a stored token's revocation stay.
 */
import assert from 'node:assert/strict';
import type { AccessToken, Consumer, User } from '../provider/model.js';
import type { ImportBatch, Store } from '../provider/store.js';
import { accessTokenFixture, consumerFixture } from './fixtures.js';
import type { TestFunctions } from './suite-kit.js';

const carol: User = { name: 'carol', status: 'active', createdAt: 1_600_000_000_000 };

/** Two consumers, three tokens of three users, one of them revoked. */
function batch(replace = false): ImportBatch {
  return {
    users: [carol, { ...carol, name: 'dave' }, { ...carol, name: 'erin' }],
    consumers: [
      consumerFixture({
        key: 'magento-1',
        secret: 'c1'.repeat(16),
        owner: 'carol',
        createdAt: 1_600_000_000_000,
      }),
      consumerFixture({ key: 'magento-2', secret: 'c2'.repeat(16), owner: 'carol', rsaPublicKey: undefined }),
    ],
    accessTokens: [
      accessTokenFixture({ token: 't1'.repeat(16), consumerKey: 'magento-1', user: 'carol' }),
      accessTokenFixture({ token: 't2'.repeat(16), consumerKey: 'magento-1', user: 'dave', revokedAt: 5 }),
      accessTokenFixture({ token: 't3'.repeat(16), consumerKey: 'magento-2', user: 'erin', expiresAt: 9e12 }),
    ],
    replace,
  };
}

/** Whether the store holds nothing of {@link batch}. */
async function holdsNothingOf(store: Store): Promise<void> {
  for (const key of ['magento-1', 'magento-2']) assert.equal(await store.getConsumer(key), undefined, key);
  for (const token of ['t1', 't2', 't3'])
    assert.equal(await store.getAccessToken(token.repeat(16)), undefined, token);
  for (const name of ['dave', 'erin']) assert.equal(await store.getUser(name), undefined, name);
}

export function importTests({ it }: TestFunctions, store: () => Store): void {
  it('imports users, consumers and access tokens together; a stored user stays as it is', async () => {
    await store().putUser({ ...carol, status: 'suspended' });
    assert.deepEqual(await store().importRecords(batch()), { imported: true });
    assert.equal((await store().getUser('carol'))?.status, 'suspended');
    assert.equal((await store().getUser('dave'))?.createdAt, carol.createdAt);
    const consumer = await store().getConsumer('magento-1');
    assert.equal(consumer?.secret, 'c1'.repeat(16));
    assert.equal(consumer?.createdAt, 1_600_000_000_000);
    assert.equal((await store().getConsumer('magento-2'))?.rsaPublicKey ?? undefined, undefined);
    const [revoked, expiring] = [
      await store().getAccessToken('t2'.repeat(16)),
      await store().getAccessToken('t3'.repeat(16)),
    ];
    assert.equal(revoked?.secret, accessTokenFixture().secret);
    assert.equal(revoked?.revokedAt, 5);
    assert.equal(expiring?.expiresAt, 9e12);
    assert.deepEqual(
      (await store().listAccessTokens('carol')).map((t) => [t.token, t.consumerKey, t.scopes]),
      [['t1'.repeat(16), 'magento-1', ['read_public']]],
    );
  });

  it('refuses a batch naming a stored key, writing none of it; with replace, replaces', async () => {
    await store().putConsumer(consumerFixture({ key: 'magento-2', secret: 'old'.repeat(10) }));
    await store().putConsumer(consumerFixture());
    await store().importRecords({
      users: [],
      consumers: [],
      accessTokens: [accessTokenFixture()],
      replace: false,
    });
    const clash = { ...batch(), accessTokens: [...batch().accessTokens, accessTokenFixture()] };
    assert.deepEqual(await store().importRecords(clash), {
      imported: false,
      existingConsumers: ['magento-2'],
      existingAccessTokens: [accessTokenFixture().token],
    });
    assert.equal((await store().getConsumer('magento-2'))?.secret, 'old'.repeat(10));
    assert.equal(await store().getConsumer('magento-1'), undefined);
    assert.equal(await store().getAccessToken('t1'.repeat(16)), undefined);
    assert.equal(await store().getUser('dave'), undefined);
    assert.deepEqual(await store().importRecords({ ...batch(true) }), { imported: true });
    assert.equal((await store().getConsumer('magento-2'))?.secret, 'c2'.repeat(16));
    assert.equal((await store().getAccessToken('t3'.repeat(16)))?.user, 'erin');
  });

  it('with replace, keeps a stored status that is not active, and a stored revocation', async () => {
    await store().importRecords(batch());
    const [first, second] = batch().consumers as [Consumer, Consumer];
    await store().putConsumer({ ...first, status: 'disabled' });
    await store().putConsumer({ ...second, status: 'suspended' });
    await store().revokeAccessToken('t1'.repeat(16), 3);
    await store().revokeAccessToken('t3'.repeat(16), 9e11);
    const again = batch(true);
    const replacing: ImportBatch = {
      ...again,
      consumers: again.consumers.map((c) => ({ ...c, secret: 'new'.repeat(10) })),
      accessTokens: again.accessTokens.map((t) => (t.token === 't3'.repeat(16) ? { ...t, revokedAt: 4 } : t)),
    };
    assert.deepEqual(await store().importRecords(replacing), { imported: true });
    const [disabled, suspended] = [
      await store().getConsumer('magento-1'),
      await store().getConsumer('magento-2'),
    ];
    assert.equal(disabled?.secret, 'new'.repeat(10));
    assert.equal(disabled?.status, 'disabled');
    assert.equal(suspended?.status, 'suspended');
    const revokedAt = async (token: string) => (await store().getAccessToken(token.repeat(16)))?.revokedAt;
    assert.deepEqual([await revokedAt('t1'), await revokedAt('t2'), await revokedAt('t3')], [3, 5, 4]);
  });

  it('of five imports of the same keys at the same time, one writes and the others answer them stored', async () => {
    const tags = ['one', 'two', 'six', 'ten', 'new'];
    for (let round = 0; round < 10; round++) {
      const keyed = (b: ImportBatch, tag: string): ImportBatch => ({
        ...b,
        consumers: b.consumers.map((c) => ({ ...c, key: `${c.key}-${round}`, secret: tag.repeat(10) })),
        accessTokens: b.accessTokens.map((t) => ({
          ...t,
          token: `${t.token}${round}`,
          consumerKey: `${t.consumerKey}-${round}`,
        })),
      });
      const results = await Promise.all(tags.map((tag) => store().importRecords(keyed(batch(), tag))));
      const refused = results.filter((r) => !r.imported);
      assert.equal(refused.length, tags.length - 1, `round ${round}`);
      for (const answer of refused)
        assert.deepEqual(answer, {
          imported: false,
          existingConsumers: [`magento-1-${round}`, `magento-2-${round}`],
          existingAccessTokens: ['t1', 't2', 't3'].map((t) => `${t.repeat(16)}${round}`),
        });
      const winner = tags[results.findIndex((r) => r.imported)] ?? '';
      assert.equal((await store().getConsumer(`magento-2-${round}`))?.secret, winner.repeat(10));
    }
  });

  it('writes nothing when a write fails half-way', async () => {
    const failing = accessTokenFixture({ token: 'ff'.repeat(16), consumerKey: 'magento-2' });
    // The last record cannot be read: the store fails after writing the others, inside its transaction.
    const broken: AccessToken = Object.defineProperty({ ...failing }, 'scopes', {
      get: () => {
        throw new Error('the disk is full');
      },
      enumerable: true,
    });
    const halfWay = { ...batch(), accessTokens: [...batch().accessTokens, broken] };
    await assert.rejects(store().importRecords(halfWay), /the disk is full/);
    await holdsNothingOf(store());
    assert.deepEqual(await store().importRecords(batch()), { imported: true });
  });
}
