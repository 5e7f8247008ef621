/**
 * The SQLite store runs the shared suite with its secrets sealed; and several connections on one file (threads, as
 * separate processes would) race to exchange one request token, or to record the same nonces:
 * exactly one wins each.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../packages/countersign/src/provider/errors.js';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../packages/sqlite/src/sqlite-store.js';
import { keyLine, keyring } from './secrets-suite.js';
import {
  accessTokenFixture,
  consumerFixture,
  exchangeWithRightVerifier,
  requestTokenFixture,
  runStoreSuite,
} from './store-suite.js';

let dir = '';
runStoreSuite(
  'sqlite',
  () => {
    dir = mkdtempSync(join(tmpdir(), 'countersign-sqlite-'));
    return Promise.resolve(new SqliteStore(join(dir, 'test.db'), { secrets: keyring(keyLine('k1')) }));
  },
  () => {
    rmSync(dir, { recursive: true, force: true });
    return Promise.resolve();
  },
);

const racer = `
const { workerData, parentPort } = require('node:worker_threads');
import(workerData.module).then(async ({ SqliteStore }) => {
  const store = new SqliteStore(workerData.file);
  const results = [];
  for (let i = 0; i < workerData.tries; i++) {
    const accessToken = {
      token: 'w' + workerData.id + '-' + i, secret: 's', consumerKey: 'k', user: 'bob', scopes: [], createdAt: 1,
    };
    results.push(await store.redeemRequestToken(workerData.token, { matches: () => true, limit: 5, accessToken }));
  }
  await store.close();
  parentPort.postMessage(results.filter((r) => r.outcome === 'exchanged').length);
});
`;

// Opens the file and says it is ready; at "go" records its first ten keys and says so; at "go" again
// records the rest of the list, a few at a time (one group commit each), in an order of its own.
// Its first ten keys are in no other thread's first ten, so it wins them all: every thread is
// recording when the contested part starts.
const nonceRacer = `
const { workerData, parentPort } = require('node:worker_threads');
import(workerData.module).then(async ({ SqliteStore }) => {
  const store = new SqliteStore(workerData.file);
  const go = () => new Promise((resolve) => parentPort.once('message', resolve));
  parentPort.postMessage('ready');
  await go();
  const keys = workerData.keys.map((_, i, all) => all[(i * 7 + workerData.id * 251) % all.length]);
  const won = [];
  for (let i = 0; i < keys.length; i += 10) {
    const slice = keys.slice(i, i + 10);
    const results = await Promise.all(slice.map((key) => store.recordNonce(key, 1000, 9e15)));
    slice.forEach((key, j) => results[j] && won.push(key));
    if (i === 0) {
      parentPort.postMessage(won.length);
      await go();
    }
  }
  await store.close();
  parentPort.postMessage(won);
});
`;

/** Starts a worker thread running `source` and resolves with its one message. */
function inWorker<T>(source: string, workerData: unknown): Promise<T> {
  return nextMessage<T>(new Worker(source, { eval: true, workerData }));
}

/** The next message of a worker thread; its error, if it fails first. */
function nextMessage<T>(worker: Worker): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

const storeModule = new URL('../../packages/sqlite/dist/sqlite-store.js', import.meta.url).href;

/**
 * Runs `test` on a fresh database file, with `open` for stores on it (as separate processes would
 * be); afterwards the stores are closed and the file removed.
 */
async function onFreshFile(
  test: (file: string, open: (options?: { cacheRows?: boolean }) => SqliteStore) => Promise<void>,
): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'countersign-sqlite-'));
  const file = join(directory, 'test.db');
  const opened: SqliteStore[] = [];
  try {
    await test(file, (options) => {
      const store = new SqliteStore(file, options);
      opened.push(store);
      return store;
    });
  } finally {
    for (const store of opened.reverse()) await store.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

describe('sqlite store across connections', () => {
  it('reopens a file with its data, and lets exactly one of 8 racing threads exchange a token', () =>
    onFreshFile(async (file) => {
      const store = new SqliteStore(file);
      await store.createRequestToken(
        requestTokenFixture({ state: 'authorized', user: 'bob', verifier: 'v' }),
      );
      await store.close();
      const wins = await Promise.all(
        Array.from({ length: 8 }, (_, id) =>
          inWorker<number>(racer, { module: storeModule, file, token: 'r'.repeat(32), id, tries: 5 }),
        ),
      );
      expect(wins.reduce((a, b) => a + b, 0)).toBe(1);
      const reopened = new SqliteStore(file);
      expect(reopened.getRequestToken('r'.repeat(32))?.state).toBe('exchanged');
      await reopened.close();
    }));
});

describe('sqlite store nonce log', () => {
  it('lets each of 2,000 nonces be accepted by exactly one of 8 threads opening a new file and recording them all at once', () =>
    onFreshFile(async (file) => {
      const keys = Array.from({ length: 2000 }, (_, i) => `1790000000-key${i}`);
      const workers = Array.from(
        { length: 8 },
        (_, id) =>
          new Worker(nonceRacer, { eval: true, workerData: { module: storeModule, file, keys, id } }),
      );
      // All eight have opened the file (running its migrations at the same moment) before any records.
      await Promise.all(workers.map((worker) => nextMessage(worker)));
      const goAll = () => workers.forEach((worker) => worker.postMessage('go'));
      const firstSlices = Promise.all(workers.map((worker) => nextMessage<number>(worker)));
      goAll();
      // Each won its own first ten, which no other thread records first.
      expect(await firstSlices).toEqual(Array(8).fill(10));
      const finished = workers.map((worker) => nextMessage<string[]>(worker));
      goAll();
      const won = await Promise.all(finished);
      const all = won.flat();
      expect(all).toHaveLength(2000);
      expect(new Set(all).size).toBe(2000);
    }));

  it('refuses after a restart the nonces accepted before it, until they expire', () =>
    onFreshFile(async (_file, open) => {
      const before = open();
      expect(await before.recordNonce('kept', 1000, 9000)).toBe(true);
      expect(await before.recordNonce('brief', 1000, 2000)).toBe(true);
      await before.close();
      const after = open();
      // Read before the first request, as the server does: only the unexpired one is held.
      expect(after.preloadNonces(3000)).toBe(1);
      expect(await after.recordNonce('kept', 3000, 9000)).toBe(false);
      expect(await after.recordNonce('brief', 3000, 9000)).toBe(true);
      expect(await after.recordNonce('new', 3000, 9000)).toBe(true);
    }));

  it('deletes expired entries from the front of the log, and another process still sees new ones', () =>
    onFreshFile(async (file, open) => {
      const store = open();
      const other = open();
      expect(await other.recordNonce('seen-early', 1000, 2000)).toBe(true);
      await Promise.all(
        Array.from({ length: 1500 }, async (_, i) => store.recordNonce(`old${i}`, 1000, 2000)),
      );
      await Promise.all(
        Array.from({ length: 1000 }, async (_, i) => store.recordNonce(`new${i}`, 3000, 9000)),
      );
      const db = new Database(file, { readonly: true });
      try {
        const { entries, first } = db
          .prepare('SELECT count(*) AS entries, min(expires_at) AS first FROM countersign_nonce_log')
          .get() as { entries: number; first: number };
        expect(entries).toBeLessThanOrEqual(1000);
        expect(entries).toBeGreaterThan(0);
        expect(first).toBe(9000);
      } finally {
        db.close();
      }
      // `other` last read the log before the sweep; it still finds the entries after it.
      expect(await other.recordNonce('new999', 3000, 9000)).toBe(false);
      expect(await other.recordNonce('new0', 3000, 9000)).toBe(false);
    }));
});

describe('sqlite store caches and another process', () => {
  const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

  it('sees a revocation, a suspension and a user change made by another connection on the next turn', () =>
    onFreshFile(async (_file, open) => {
      const server = open();
      const cli = open();
      await server.putUser({ name: 'bob', status: 'active', createdAt: 1 });
      await server.putConsumer(consumerFixture());
      await server.createRequestToken(
        requestTokenFixture({ state: 'authorized', user: 'bob', verifier: 'v' }),
      );
      await exchangeWithRightVerifier(server, 'r'.repeat(32), accessTokenFixture());
      // Read once so that all three are cached.
      expect(server.getAccessToken('a'.repeat(32))?.revokedAt).toBeUndefined();
      expect(server.getConsumer(consumerFixture().key)?.status).toBe('active');
      expect(server.getUser('bob')?.status).toBe('active');

      await cli.revokeAccessToken('a'.repeat(32), 5);
      await cli.putConsumer({ ...consumerFixture(), status: 'suspended' });
      await cli.putUser({ name: 'bob', status: 'suspended', createdAt: 1 });
      await nextTurn();

      expect(server.getAccessToken('a'.repeat(32))?.revokedAt).toBe(5);
      expect(server.getConsumer(consumerFixture().key)?.status).toBe('suspended');
      expect(server.getUser('bob')?.status).toBe('suspended');
    }));

  it('answers the nonces of one turn with one commit, each as if alone, committed before the answer', () =>
    onFreshFile(async (_file, open) => {
      const store = open();
      const other = open();
      const results = await Promise.all([
        store.recordNonce('a', 1000, 5000),
        store.recordNonce('b', 1000, 5000),
        store.recordNonce('a', 1000, 5000),
      ]);
      expect(results).toEqual([true, true, false]);
      expect(await store.recordNonce('b', 2000, 6000)).toBe(false);
      // Another process on the same file refuses them too, and its own are refused here.
      expect(await other.recordNonce('a', 2000, 6000)).toBe(false);
      expect(await other.recordNonce('c', 2000, 6000)).toBe(true);
      expect(await store.recordNonce('c', 2000, 6000)).toBe(false);
    }));
});

describe('sqlite store without row caching', () => {
  it('reads every row from the file, so another connection’s change shows within the same turn', () =>
    onFreshFile(async (_file, open) => {
      const store = open({ cacheRows: false });
      const other = open();
      await store.putConsumer(consumerFixture());
      expect(store.getConsumer(consumerFixture().key)?.status).toBe('active');
      await other.putConsumer({ ...consumerFixture(), status: 'suspended' });
      expect(store.getConsumer(consumerFixture().key)?.status).toBe('suspended');
    }));
});

describe('sqlite store checkpoints', () => {
  it('copies the WAL into the database on its own thread once it serves nonces', () =>
    onFreshFile(async (file, open) => {
      const store = open();
      await Promise.all(
        Array.from({ length: 3000 }, async (_, i) => store.recordNonce(`n${i}`, 1000, 9_000_000)),
      );
      const before = statSync(file).size;
      expect(statSync(`${file}-wal`).size).toBeGreaterThan(0);
      // No request runs in this time, so only the checkpointer thread can have written the file.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(statSync(file).size).toBeGreaterThan(before);
    }));
});

describe('sqlite store when another process holds the database', () => {
  it(
    'answers the nonces waiting behind a lock held past the busy timeout with StoreUnavailableError',
    () =>
      onFreshFile(async (file, open) => {
        const store = open();
        const { default: Database } = await import('better-sqlite3');
        const holder = new Database(file);
        try {
          holder.exec('BEGIN IMMEDIATE');
          await expect(store.recordNonce('n', 1000, 5000)).rejects.toBeInstanceOf(StoreUnavailableError);
          holder.exec('ROLLBACK');
          expect(await store.recordNonce('n', 1000, 5000)).toBe(true);
        } finally {
          holder.close();
        }
      }),
    15_000,
  );
});

describe('sqlite store under concurrent verification', () => {
  it('accepts exactly one of 100 concurrent copies of one signed request, and each of 100 distinct ones', async () => {
    const { signRequest } = await import('../../packages/countersign/src/client/sign-request.js');
    const { createProvider } = await import('../../packages/countersign/src/provider/provider.js');
    const { isOAuthProblem } = await import('../../packages/countersign/src/problems/oauth-problem.js');
    await onFreshFile(async (_file, open) => {
      const store = open();
      const now = 1_790_000_000_000;
      await store.putUser({ name: 'bob', status: 'active', createdAt: now });
      await store.putConsumer(consumerFixture({ signatureMethods: ['HMAC-SHA1'] }));
      await store.createRequestToken(
        requestTokenFixture({ state: 'authorized', user: 'bob', verifier: 'v' }),
      );
      await exchangeWithRightVerifier(store, 'r'.repeat(32), accessTokenFixture());
      const provider = createProvider({ store, clock: () => now });
      const request = (nonce: string) => {
        const signed = signRequest({
          method: 'GET',
          url: 'http://api.example.com/me',
          consumerKey: consumerFixture().key,
          consumerSecret: consumerFixture().secret,
          token: accessTokenFixture().token,
          tokenSecret: accessTokenFixture().secret,
          timestamp: String(now / 1000),
          nonce,
        });
        return {
          method: 'GET',
          target: '/me',
          headers: { host: 'api.example.com', authorization: signed.authorization },
          secure: false,
        };
      };
      const outcome = (verifying: Promise<unknown>) =>
        verifying.then(
          () => 'accepted',
          (error: unknown) => (isOAuthProblem(error) ? error.problem : 'error'),
        );
      const copies = await Promise.all(
        Array.from({ length: 100 }, () => outcome(provider.verify(request('same')))),
      );
      expect(copies.filter((o) => o === 'accepted')).toHaveLength(1);
      expect(copies.filter((o) => o === 'nonce_used')).toHaveLength(99);
      const distinct = await Promise.all(
        Array.from({ length: 100 }, (_, i) => outcome(provider.verify(request(`n${i}`)))),
      );
      expect(distinct.every((o) => o === 'accepted')).toBe(true);
    });
  });
});
