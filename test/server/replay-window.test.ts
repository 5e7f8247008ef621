/**
 * A captured `POST /api/v1/notes` replayed to the reference server over HTTP in the last second of
 * the timestamp window is refused as `nonce_used` and creates no second note, with the memory store
 * and with SQLite (the server's default).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { signRequest } from '../../packages/countersign/src/client/sign-request.js';
import { buildServer } from '../../packages/server/src/server/app.js';
import { MemoryServerData } from '../../packages/server/src/data/memory-data.js';
import type { ServerData } from '../../packages/server/src/data/server-data.js';
import { SqliteServerData } from '../../packages/server/src/data/sqlite-data.js';
import { MemoryStore } from '../../packages/countersign/src/stores/memory-store.js';
import { SqliteStore } from '../../packages/sqlite/src/sqlite-store.js';
import type { Store } from '../../packages/countersign/src/provider/store.js';
import {
  accessTokenFixture,
  consumerFixture,
  exchangeWithRightVerifier,
  requestTokenFixture,
} from '../stores/store-suite.js';

const NOW = 1_800_000_000_000;
const WINDOW = 300;

const STORES: { name: string; open: () => { store: Store; data: ServerData; remove: () => void } }[] = [
  {
    name: 'memory',
    open: () => ({ store: new MemoryStore(), data: new MemoryServerData(), remove: () => {} }),
  },
  {
    name: 'SQLite',
    open: () => {
      const dir = mkdtempSync(join(tmpdir(), 'countersign-replay-'));
      const store = new SqliteStore(join(dir, 'server.db'));
      return {
        store,
        data: new SqliteServerData(store.database, undefined),
        remove: () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
];

describe.each(STORES)('a replayed note with the $name store', ({ open }) => {
  it('is refused in the last second of the window and creates no second note', async () => {
    const { store, data, remove } = open();
    const clock = { now: NOW };
    const app = await buildServer({ store, data, clock: () => clock.now, timestampWindow: WINDOW });
    try {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/api/v1/notes`;
      const consumer = consumerFixture();
      const access = accessTokenFixture({ scopes: ['write_private'] });
      await store.putUser({ name: access.user, status: 'active', createdAt: 0 });
      await store.putConsumer(consumer);
      await store.createRequestToken(
        requestTokenFixture({ state: 'authorized', user: access.user, verifier: 'v'.repeat(32) }),
      );
      await exchangeWithRightVerifier(store, requestTokenFixture().token, access);
      // One request, captured and sent again as it is.
      const { authorization } = signRequest({
        method: 'POST',
        url,
        consumerKey: consumer.key,
        consumerSecret: consumer.secret,
        token: access.token,
        tokenSecret: access.secret,
        timestamp: String(NOW / 1000),
        form: [['text', 'once']],
      });
      const send = () =>
        fetch(url, {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
          body: 'text=once',
        });

      expect((await send()).status).toBe(201);
      for (const at of [NOW + WINDOW * 1000, NOW + WINDOW * 1000 + 500, NOW + (WINDOW + 1) * 1000 - 1]) {
        clock.now = at;
        const replay = await send();
        expect(replay.status).toBe(401);
        expect(replay.headers.get('www-authenticate')).toContain('oauth_problem="nonce_used"');
      }
      clock.now = NOW + (WINDOW + 1) * 1000;
      const late = await send();
      expect(late.status).toBe(400);
      expect(late.headers.get('www-authenticate')).toContain('oauth_problem="timestamp_refused"');
      expect((await data.listNotes(access.user)).map((n) => n.text)).toEqual(['once']);
    } finally {
      await app.close();
      await store.close();
      remove();
    }
  });
});
