/**
 * Crash safety: `kill -9` a server while clients are obtaining tokens; after a restart every token a
 * client received still works, and a request accepted before the crash is refused as a replay. In
 * SQLite mode and in PostgreSQL mode.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { signRequest } from '../../packages/countersign/src/client/sign-request.js';
import { parseFormEncoded } from '../../packages/countersign/src/core/parameters.js';
import { createProvider } from '../../packages/countersign/src/provider/provider.js';
import { PostgresStore } from '../../packages/postgres/src/postgres-store.js';
import { SqliteStore } from '../../packages/sqlite/src/sqlite-store.js';
import type { Store } from '../../packages/countersign/src/provider/store.js';
import { keyFileBeside, readKeyFile } from '../../packages/server/src/cli/key-file.js';
import { testKeyFile } from '../support/key-file.js';
import { registerViaCli, type ServerProcess, startServer } from '../support/processes.js';
import { createDatabase, hasPostgres } from '../support/services.js';

const PUBLIC = 'http://countersign.test';
const form = (text: string) =>
  Object.fromEntries(parseFormEncoded(text, 'body').map((p) => [p.name, p.value]));

interface Mode {
  readonly name: string;
  readonly skip: boolean;
  readonly setup: () => Promise<{
    flags: string[];
    open: () => Promise<Store>;
    cleanup: () => Promise<void>;
  }>;
}

const MODES: Mode[] = [
  {
    name: 'SQLite',
    skip: false,
    setup() {
      const dir = mkdtempSync(join(tmpdir(), 'countersign-crash-'));
      const file = join(dir, 'countersign.db');
      return Promise.resolve({
        flags: ['--db', file],
        // The key file the CLI made beside the database.
        open: () => Promise.resolve(new SqliteStore(file, { secrets: readKeyFile(keyFileBeside(file)) })),
        cleanup: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
      });
    },
  },
  {
    name: 'PostgreSQL',
    skip: !hasPostgres,
    async setup() {
      const database = await createDatabase();
      const key = testKeyFile();
      return {
        flags: ['--database-url', database.url, ...key.flags],
        open: () => PostgresStore.connect(database.url, { secrets: key.keyring }),
        cleanup: async () => {
          await database.drop();
          key.remove();
        },
      };
    },
  },
];

describe.each(MODES)('kill -9 in $name mode', (mode) => {
  it.skipIf(mode.skip)(
    'keeps every token a client received',
    async () => {
      const { flags, open, cleanup } = await mode.setup();
      const consumer = registerViaCli(flags);
      const store = await open();
      const provider = createProvider({ store });
      let server: ServerProcess = await startServer([...flags, '--public-url', PUBLIC]);
      const received: { token: string; secret: string }[] = [];
      const call = (
        path: string,
        extra: Record<string, string>,
        token?: { token: string; secret: string },
      ) => {
        const signed = signRequest({
          method: 'POST',
          url: PUBLIC + path,
          consumerKey: consumer.key,
          consumerSecret: consumer.secret,
          ...(token ? { token: token.token, tokenSecret: token.secret } : {}),
          extra,
        });
        return fetch(server.url + path, { method: 'POST', headers: { authorization: signed.authorization } });
      };
      const client = async () => {
        for (;;) {
          try {
            const request = form(await (await call('/oauth/initiate', { oauth_callback: 'oob' })).text());
            const requestToken = {
              token: request.oauth_token ?? '',
              secret: request.oauth_token_secret ?? '',
            };
            const { verifier = '' } = await provider.decide(requestToken.token, {
              user: 'bob',
              approve: true,
            });
            const response = await call('/oauth/token', { oauth_verifier: verifier }, requestToken);
            if (response.status !== 200) continue;
            const access = form(await response.text());
            received.push({ token: access.oauth_token ?? '', secret: access.oauth_token_secret ?? '' });
          } catch {
            return; // the server is gone
          }
        }
      };
      const me = (access: { token: string; secret: string }) =>
        signRequest({
          method: 'GET',
          url: `${PUBLIC}/api/v1/me`,
          consumerKey: consumer.key,
          consumerSecret: consumer.secret,
          token: access.token,
          tokenSecret: access.secret,
        }).authorization;
      const clients = Array.from({ length: 4 }, client);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const first = received[0];
      if (!first) throw new Error('no token was received before the crash');
      const acceptedBeforeCrash = me(first);
      const before = await fetch(`${server.url}/api/v1/me`, {
        headers: { authorization: acceptedBeforeCrash },
      });
      expect(before.status).toBe(200);
      await server.kill();
      await Promise.all(clients);
      expect(received.length).toBeGreaterThan(5);

      server = await startServer([...flags, '--public-url', PUBLIC]);
      try {
        const statuses = await Promise.all(
          received.map(
            async (access) =>
              (await fetch(`${server.url}/api/v1/me`, { headers: { authorization: me(access) } })).status,
          ),
        );
        expect(statuses.every((s) => s === 200)).toBe(true);
        const replay = await fetch(`${server.url}/api/v1/me`, {
          headers: { authorization: acceptedBeforeCrash },
        });
        expect(replay.status).toBe(401);
        expect(replay.headers.get('www-authenticate')).toContain('oauth_problem="nonce_used"');
      } finally {
        await server.stop();
        await store.close();
        await cleanup();
      }
    },
    60_000,
  );
});
