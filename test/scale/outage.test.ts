/**
 * When PostgreSQL or Redis goes away, requests get a quick 503 (never a hang, never an accepted
 * replay), and the server recovers by itself when they return. The databases are taken away by
 * cutting a TCP proxy between the server and them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../packages/countersign/src/client/sign-request.js';
import {
  type CuttableProxy,
  registerViaCli,
  type ServerProcess,
  startProxy,
  startServer,
} from '../support/processes.js';
import { testKeyFile } from '../support/key-file.js';
import { createDatabase, hasPostgres, hasRedis, PG_ADMIN_URL, REDIS_URL } from '../support/services.js';

const PUBLIC = 'https://api.countersign.test';

describe.skipIf(!hasPostgres || !hasRedis)('outages of PostgreSQL and Redis', () => {
  let database: Awaited<ReturnType<typeof createDatabase>>;
  let pgProxy: CuttableProxy;
  let redisProxy: CuttableProxy;
  let server: ServerProcess;
  let consumer: { key: string; secret: string };
  const key = testKeyFile();

  beforeAll(async () => {
    database = await createDatabase();
    consumer = registerViaCli(['--database-url', database.url, ...key.flags], { twoLegged: true });
    const pg = new URL(PG_ADMIN_URL);
    const redis = new URL(REDIS_URL);
    pgProxy = await startProxy(pg.hostname, Number(pg.port || 5432));
    redisProxy = await startProxy(redis.hostname, Number(redis.port || 6379));
    const proxiedDb = new URL(database.url);
    proxiedDb.port = String(pgProxy.port);
    server = await startServer([
      '--database-url',
      proxiedDb.toString(),
      '--redis-url',
      `redis://127.0.0.1:${redisProxy.port}`,
      '--public-url',
      PUBLIC,
      ...key.flags,
    ]);
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await pgProxy?.close();
    await redisProxy?.close();
    await database?.drop();
    key.remove();
  });

  const signed = (nonce?: string) =>
    signRequest({
      method: 'GET',
      url: `${PUBLIC}/api/v1/me`,
      consumerKey: consumer.key,
      consumerSecret: consumer.secret,
      ...(nonce ? { nonce } : {}),
    });
  const send = async (authorization: string) => {
    const started = Date.now();
    const response = await fetch(`${server.url}/api/v1/me`, { headers: { authorization } });
    return {
      status: response.status,
      body: await response.text(),
      ms: Date.now() - started,
      retryAfter: response.headers.get('retry-after'),
    };
  };
  let last = '';
  async function recovered(): Promise<number> {
    const started = Date.now();
    while (Date.now() - started < 15_000) {
      const attempt = await send(signed().authorization);
      if (attempt.status === 200) return Date.now() - started;
      last = `${attempt.status} ${attempt.body}`;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`did not recover: ${last}`);
  }

  it('answers 503 while Redis is away, never accepts a replay, and recovers', async () => {
    const accepted = signed('before-outage');
    expect((await send(accepted.authorization)).status).toBe(200);

    await redisProxy.cut();
    const fresh = await send(signed().authorization);
    expect(fresh.status).toBe(503);
    expect(fresh.body).toContain('temporarily unavailable');
    expect(fresh.retryAfter, JSON.stringify(fresh)).toBe('2');
    expect(fresh.ms).toBeLessThan(3000);
    expect((await send(accepted.authorization)).status).toBe(503);

    await redisProxy.restore();
    await recovered();
    const replay = await send(accepted.authorization);
    expect(replay.status).toBe(401);
    expect(replay.body).toContain('oauth_problem=nonce_used');
  });

  it('answers 503 while PostgreSQL is away, and recovers', async () => {
    await pgProxy.cut();
    const during = await send(signed().authorization);
    expect(during.status).toBe(503);
    expect(during.ms).toBeLessThan(8000);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

    await pgProxy.restore();
    await recovered();
  });
});
