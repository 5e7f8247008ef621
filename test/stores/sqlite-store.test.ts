/**
 * The SQLite store runs the shared suite; and several connections on one file (threads, as
 * separate processes would) race to exchange one request token: exactly one wins.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/stores/sqlite-store.js';
import { requestTokenFixture, runStoreSuite } from './store-suite.js';

let dir = '';
runStoreSuite(
  'sqlite',
  () => {
    dir = mkdtempSync(join(tmpdir(), 'countersign-sqlite-'));
    return Promise.resolve(new SqliteStore(join(dir, 'test.db')));
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
    results.push(await store.exchangeRequestToken(workerData.token, {
      token: 'w' + workerData.id + '-' + i, secret: 's', consumerKey: 'k', user: 'bob', scopes: [], createdAt: 1,
    }));
  }
  await store.close();
  parentPort.postMessage(results.filter(Boolean).length);
});
`;

describe('sqlite store across connections', () => {
  it('reopens a file with its data, and lets exactly one of 8 racing threads exchange a token', async () => {
    const raceDir = mkdtempSync(join(tmpdir(), 'countersign-race-'));
    const file = join(raceDir, 'race.db');
    try {
      const store = new SqliteStore(file);
      await store.createRequestToken(
        requestTokenFixture({ state: 'authorized', user: 'bob', verifier: 'v' }),
      );
      await store.close();
      const module = new URL('../../dist/stores/sqlite-store.js', import.meta.url).href;
      const wins = await Promise.all(
        Array.from(
          { length: 8 },
          (_, id) =>
            new Promise<number>((resolve, reject) => {
              const worker = new Worker(racer, {
                eval: true,
                workerData: { module, file, token: 'r'.repeat(32), id, tries: 5 },
              });
              worker.once('message', resolve);
              worker.once('error', reject);
            }),
        ),
      );
      expect(wins.reduce((a, b) => a + b, 0)).toBe(1);
      const reopened = new SqliteStore(file);
      expect((await reopened.getRequestToken('r'.repeat(32)))?.state).toBe('exchanged');
      await reopened.close();
    } finally {
      rmSync(raceDir, { recursive: true, force: true });
    }
  });
});
