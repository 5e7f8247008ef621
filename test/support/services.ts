/**
 * PostgreSQL and Redis for the suites that need them. On a laptop without them those suites skip
 * with a printed notice; under `CI=true` a missing service is a failure.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';

export const PG_ADMIN_URL = process.env.COUNTERSIGN_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.COUNTERSIGN_TEST_REDIS ?? 'redis://127.0.0.1:6379';

async function reachable(check: () => Promise<unknown>, what: string): Promise<boolean> {
  try {
    await check();
    return true;
  } catch (error) {
    if (process.env.CI === 'true') throw new Error(`CI needs ${what}: ${(error as Error).message}`);
    console.warn(`NOTICE: ${what} is not reachable; its suites are skipped.`);
    return false;
  }
}

export const hasPostgres = await reachable(async () => {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2000 });
  await client.connect();
  await client.end();
}, `PostgreSQL at ${PG_ADMIN_URL}`);

export const hasRedis = await reachable(async () => {
  const redis = new Redis(REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  await redis.connect();
  await redis.quit();
}, `Redis at ${REDIS_URL}`);

/** A fresh database; `drop` removes it (and ends any connection left to it). */
export async function createDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `countersign_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: PG_ADMIN_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** A key prefix no other run uses. */
export function redisPrefix(): string {
  return `countersign-test:${randomBytes(6).toString('hex')}:`;
}
