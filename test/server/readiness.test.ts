/**
 * `/readyz` beside `/healthz`: 200 when the store (and Redis, when the server has it) answers; 503
 * naming what is down, with no address or error text, when Redis is at a port nothing listens on
 * or the store cannot be queried; and one probe at a time, shared by the requests that arrive
 * while it runs.
 */
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../packages/server/src/server/app.js';
import { readinessProbe } from '../../packages/server/src/server/readiness.js';
import { MemoryStore } from '../../packages/countersign/src/stores/memory-store.js';
import { MemoryServerData } from '../../packages/server/src/data/memory-data.js';
import { connectRedis } from '../../packages/redis/src/redis-nonce-store.js';
import { hasRedis, REDIS_URL } from '../support/services.js';

/** A port nothing listens on (free a moment ago). */
function deadPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(options: Partial<Parameters<typeof buildServer>[0]> = {}): Promise<FastifyInstance> {
  const app = await buildServer({ store: new MemoryStore(), ...options });
  cleanups.push(() => app.close());
  return app;
}

const get = async (app: FastifyInstance, url: string) => {
  const answer = await app.inject({ method: 'GET', url });
  return { status: answer.statusCode, body: answer.body, cache: answer.headers['cache-control'] };
};

describe('/readyz', () => {
  it('answers 200 when the store answers', async () => {
    const app = await server();
    const ready = await get(app, '/readyz');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toEqual({ status: 'ready', store: 'up' });
    expect(ready.cache).toBe('no-store');
  });

  it('answers 503 naming Redis when Redis is at a port nothing listens on, while /healthz answers 200', async () => {
    const port = await deadPort();
    const redis = connectRedis(`redis://127.0.0.1:${port}`);
    cleanups.push(() => redis.disconnect());
    const app = await server({ redis });
    const started = Date.now();
    const ready = await get(app, '/readyz');
    expect(Date.now() - started).toBeLessThan(3000);
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body)).toEqual({ status: 'unavailable', store: 'up', redis: 'down' });
    expect(ready.body).not.toContain(String(port));
    expect((await get(app, '/healthz')).status).toBe(200);
  });

  it('answers 503 naming the store when it cannot be queried', async () => {
    const data = new MemoryServerData();
    data.ping = () => Promise.reject(new Error('connect ECONNREFUSED 10.0.0.5:5432'));
    const app = await server({ data });
    const ready = await get(app, '/readyz');
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body)).toEqual({ status: 'unavailable', store: 'down' });
  });

  it.skipIf(!hasRedis)('answers 200 with Redis up', async () => {
    const redis = connectRedis(REDIS_URL);
    cleanups.push(() => redis.quit());
    const app = await server({ redis });
    expect(JSON.parse((await get(app, '/readyz')).body)).toEqual({
      status: 'ready',
      store: 'up',
      redis: 'up',
    });
  });
});

describe('readinessProbe', () => {
  it('counts a check that does not answer in time as down', async () => {
    const probe = readinessProbe({ store: () => new Promise(() => undefined) }, 50);
    expect(await probe()).toEqual({ ready: false, body: { status: 'unavailable', store: 'down' } });
  });

  it('runs one probe at a time, shared by the callers that arrive meanwhile', async () => {
    let calls = 0;
    const probe = readinessProbe({
      store: async () => {
        calls++;
        await new Promise((resolve) => setTimeout(resolve, 20));
      },
    });
    const answers = await Promise.all([probe(), probe(), probe()]);
    expect(calls).toBe(1);
    expect(answers.every((answer) => answer.ready)).toBe(true);
    await probe();
    expect(calls).toBe(2);
  });
});
