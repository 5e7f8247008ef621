/**
 * Guesses at a request token's verifier sent all at once over HTTP to reference servers sharing one
 * database: wrong ones with the right one among them, spread over the servers, with PostgreSQL
 * and with SQLite. However they interleave, the right verifier is taken only if fewer than five
 * wrong ones were compared before it; otherwise it is refused with the token dead.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { signRequest } from '../../packages/countersign/src/client/sign-request.js';
import { buildServer } from '../../packages/server/src/server/app.js';
import { PostgresStore } from '../../packages/postgres/src/postgres-store.js';
import { SqliteStore } from '../../packages/sqlite/src/sqlite-store.js';
import type { Store } from '../../packages/countersign/src/provider/store.js';
import { createDatabase, hasPostgres } from '../support/services.js';
import { consumerFixture, requestTokenFixture } from '../stores/store-suite.js';

const NOW = 1_800_000_000_000;
const GUESSES = 200;
/** The right verifier's place among the guesses: after six wrong ones. */
const RIGHT = 6;
const ROUNDS = 5;

const INSTANCES = 3;

interface Opened {
  /** A new store on the shared database, for one more server. */
  connect: () => Promise<Store>;
  remove: () => Promise<void>;
}

const STORES: { name: string; skip: boolean; open: () => Promise<Opened> }[] = [
  {
    name: 'PostgreSQL',
    skip: !hasPostgres,
    open: async () => {
      const database = await createDatabase();
      return { connect: () => PostgresStore.connect(database.url), remove: () => database.drop() };
    },
  },
  {
    name: 'SQLite',
    skip: false,
    open: () => {
      const dir = mkdtempSync(join(tmpdir(), 'countersign-verifier-race-'));
      return Promise.resolve({
        connect: () => Promise.resolve(new SqliteStore(join(dir, 'server.db'))),
        remove: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
      });
    },
  },
];

/** The problem code a token response carries, or its status if it has none. */
async function outcome(response: Response): Promise<string> {
  const body = await response.text();
  return /oauth_problem=([a-z_]+)/.exec(body)?.[1] ?? `status ${response.status}`;
}

describe.each(STORES)('concurrent verifier guesses over HTTP with $name', ({ skip, open }) => {
  it.skipIf(skip)(
    `of ${GUESSES} guesses sent at once, takes the right one only if fewer than five wrong ones were compared before it`,
    async () => {
      const { connect, remove } = await open();
      const stores: Store[] = [];
      const apps: FastifyInstance[] = [];
      try {
        const urls: string[] = [];
        for (let i = 0; i < INSTANCES; i++) {
          const store = await connect();
          stores.push(store);
          const app = await buildServer({ store, clock: () => NOW });
          apps.push(app);
          await app.listen({ port: 0, host: '127.0.0.1' });
          urls.push(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}/oauth/token`);
        }
        const store = stores[0] as Store;
        const consumer = consumerFixture();
        await store.putUser({ name: 'bob', status: 'active', createdAt: 0 });
        await store.putConsumer(consumer);
        // Several rounds, each at a fresh request token: how the guesses interleave varies.
        for (let round = 0; round < ROUNDS; round++) {
          const requestToken = requestTokenFixture({
            token: `r${round}`.padEnd(32, 'r'),
            state: 'authorized',
            user: 'bob',
            grantedScopes: ['read_public'],
            verifier: 'v'.repeat(32),
            createdAt: NOW,
            expiresAt: NOW + 300_000,
          });
          await store.createRequestToken(requestToken);
          const exchange = (url: string, verifier: string) => {
            const { authorization } = signRequest({
              method: 'POST',
              url,
              consumerKey: consumer.key,
              consumerSecret: consumer.secret,
              token: requestToken.token,
              tokenSecret: requestToken.secret,
              timestamp: String(NOW / 1000),
              extra: { oauth_verifier: verifier },
            });
            return fetch(url, { method: 'POST', headers: { authorization } }).then(outcome);
          };

          const answers = await Promise.all(
            Array.from({ length: GUESSES }, (_, i) =>
              exchange(urls[i % INSTANCES] ?? '', i === RIGHT ? (requestToken.verifier ?? '') : `wrong ${i}`),
            ),
          );
          const wrong = answers.filter((_, i) => i !== RIGHT);
          const compared = wrong.filter((a) => a === 'verifier_invalid').length;
          const after = await store.getRequestToken(requestToken.token);
          const seen = `round ${round}: the right one got ${answers[RIGHT]}, ${compared} wrong ones verifier_invalid`;
          if (answers[RIGHT] === 'status 200') {
            // Wrong guesses compared before it were refused as such; those after it found it used.
            expect(compared, seen).toBeLessThan(5);
            expect(wrong.every((a) => a === 'verifier_invalid' || a === 'token_used')).toBe(true);
            expect(after?.state).toBe('exchanged');
          } else {
            expect(answers[RIGHT], seen).toBe('verifier_invalid');
            expect(wrong.every((a) => a === 'verifier_invalid')).toBe(true);
            expect(after).toMatchObject({ state: 'authorized', verifierFailures: 5 });
          }
        }
      } finally {
        for (const app of apps) await app.close();
        for (const store of stores) await store.close();
        await remove();
      }
    },
  );
});
