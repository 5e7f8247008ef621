/**
 * Three server processes sharing PostgreSQL and Redis agree: a nonce accepted by one is refused by
 * the others; of 500 concurrent copies of one signed request exactly one is accepted; of 100
 * concurrent exchanges of one request token exactly one succeeds; a token revoked through one
 * instance is refused by the very next request to any instance.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../packages/countersign/src/client/sign-request.js';
import { parseFormEncoded } from '../../packages/countersign/src/core/parameters.js';
import { createProvider } from '../../packages/countersign/src/provider/provider.js';
import { PostgresStore } from '../../packages/postgres/src/postgres-store.js';
import { registerViaCli, type ServerProcess, startServer } from '../support/processes.js';
import { testKeyFile } from '../support/key-file.js';
import { createDatabase, hasPostgres, hasRedis, REDIS_URL } from '../support/services.js';

const PUBLIC = 'https://api.countersign.test';

const form = async (response: Response) =>
  Object.fromEntries(parseFormEncoded(await response.text(), 'body').map((p) => [p.name, p.value]));

describe.skipIf(!hasPostgres || !hasRedis)('three instances on PostgreSQL + Redis', () => {
  let database: Awaited<ReturnType<typeof createDatabase>>;
  let servers: ServerProcess[] = [];
  let store: PostgresStore;
  let consumer: { key: string; secret: string };
  const key = testKeyFile();

  beforeAll(async () => {
    database = await createDatabase();
    const flags = ['--database-url', database.url, ...key.flags];
    consumer = registerViaCli(flags, { twoLegged: true });
    // Behind a load balancer every instance is told the one public URL clients sign against.
    servers = await Promise.all(
      [0, 1, 2].map(() => startServer([...flags, '--redis-url', REDIS_URL, '--public-url', PUBLIC])),
    );
    store = await PostgresStore.connect(database.url, { secrets: key.keyring });
  }, 60_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await store?.close();
    await database?.drop();
    key.remove();
  });

  const at = (i: number) => (servers[i % servers.length] as ServerProcess).url;

  function signedMe(nonce?: string, token?: { key: string; secret: string }) {
    return signRequest({
      method: 'GET',
      url: `${PUBLIC}/api/v1/me`,
      consumerKey: consumer.key,
      consumerSecret: consumer.secret,
      ...(nonce ? { nonce } : {}),
      ...(token ? { token: token.key, tokenSecret: token.secret } : {}),
    });
  }

  it('refuses on one instance a nonce accepted by another', async () => {
    const signed = signedMe('shared-nonce-1');
    expect(
      (await fetch(`${at(0)}/api/v1/me`, { headers: { authorization: signed.authorization } })).status,
    ).toBe(200);
    const again = await fetch(`${at(1)}/api/v1/me`, {
      headers: { authorization: signed.authorization },
    });
    expect(again.status).toBe(401);
    expect(again.headers.get('www-authenticate')).toContain('oauth_problem="nonce_used"');
  });

  it('accepts exactly one of 500 concurrent copies of one signed request', async () => {
    const signed = signedMe('burst-nonce');
    const statuses = await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        fetch(`${at(i)}/api/v1/me`, { headers: { authorization: signed.authorization } }).then(async (r) => {
          await r.arrayBuffer();
          return r.status;
        }),
      ),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 401)).toHaveLength(499);
  });

  it('exchanges a request token exactly once of 100 concurrent attempts across instances', async () => {
    const initiate = signRequest({
      method: 'POST',
      url: `${PUBLIC}/oauth/initiate`,
      consumerKey: consumer.key,
      consumerSecret: consumer.secret,
      extra: { oauth_callback: 'oob' },
    });
    const request = await form(
      await fetch(`${at(0)}/oauth/initiate`, {
        method: 'POST',
        headers: { authorization: initiate.authorization },
      }),
    );
    const { verifier = '' } = await createProvider({ store }).decide(request.oauth_token ?? '', {
      user: 'bob',
      approve: true,
    });
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => {
        const signed = signRequest({
          method: 'POST',
          url: `${PUBLIC}/oauth/token`,
          consumerKey: consumer.key,
          consumerSecret: consumer.secret,
          token: request.oauth_token,
          tokenSecret: request.oauth_token_secret,
          extra: { oauth_verifier: verifier },
        });
        return fetch(`${at(i)}/oauth/token`, {
          method: 'POST',
          headers: { authorization: signed.authorization },
        }).then(async (r) => ({ status: r.status, body: await r.text() }));
      }),
    );
    const won = results.filter((r) => r.status === 200);
    expect(won).toHaveLength(1);
    expect(results.filter((r) => r.body.includes('oauth_problem=token_used'))).toHaveLength(99);
    const token = Object.fromEntries(
      parseFormEncoded(won[0]?.body ?? '', 'body').map((p) => [p.name, p.value]),
    );
    expect((await store.listAccessTokens('bob')).map((t) => t.token)).toEqual([token.oauth_token]);
  });

  it('refuses a token revoked through one instance on the very next request to every instance', async () => {
    const tokens = await store.listAccessTokens('bob');
    const access = { key: tokens[0]?.token ?? '', secret: tokens[0]?.secret ?? '' };
    const call = (i: number) =>
      fetch(`${at(i)}/api/v1/me`, {
        headers: { authorization: signedMe(undefined, access).authorization },
      });
    for (const i of [0, 1, 2]) expect((await call(i)).status).toBe(200);

    // Sign in and revoke on the connections page of instance 0.
    const login = await fetch(`${at(0)}/login`);
    let cookies = login.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await login.text())?.[1] ?? '';
    const signedIn = await fetch(`${at(0)}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookies },
      body: new URLSearchParams({ _csrf: csrf, name: 'bob', password: 'correct horse battery' }),
    });
    expect(signedIn.status).toBe(303);
    // Sign-in renews the CSRF secret: the connections page gives the form's token, and names the
    // grant by an opaque id rather than by its access token.
    const session = signedIn.headers.getSetCookie().find((c) => c.startsWith('cs_session='));
    cookies = session?.split(';')[0] ?? '';
    const connections = await fetch(`${at(0)}/connections`, { headers: { cookie: cookies } });
    cookies = [cookies, ...connections.headers.getSetCookie().map((c) => c.split(';')[0])].join('; ');
    const page = await connections.text();
    expect(page).not.toContain(access.key);
    const revoked = await fetch(`${at(0)}/connections/revoke`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookies },
      body: new URLSearchParams({
        _csrf: /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '',
        connection: /name="connection"\s+value="([^"]+)"/.exec(page)?.[1] ?? '',
      }),
    });
    expect(revoked.status).toBe(303);

    for (const i of [1, 2, 0]) {
      const refused = await call(i);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toContain('oauth_problem="token_revoked"');
    }
  });
});
