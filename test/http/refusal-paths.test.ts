/**
 * The ways a refused request could still reach the route, or hang: an Express `onRefused` that
 * calls `next()` with nothing, a body whose bytes a parser took when a body hash is required (by
 * the route or the whole provider), and an `onRefused` that sends nothing or throws.
 */
import { createServer } from 'node:http';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { signRequest } from '../../packages/countersign/src/client/sign-request.js';
import { expressAdapter } from '../../packages/countersign/src/http/express.js';
import { type Consumer } from '../../packages/countersign/src/provider/model.js';
import { createProvider, type Provider } from '../../packages/countersign/src/provider/provider.js';
import type { ProviderOptions } from '../../packages/countersign/src/provider/options.js';
import { MemoryStore } from '../../packages/countersign/src/stores/memory-store.js';
import { listen, type RunningApp } from '../e2e/apps.js';

const running: RunningApp[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((app) => app.close()));
});

async function serve(app: express.Express): Promise<string> {
  const started = await listen(createServer(app));
  running.push(started);
  return started.url;
}

/** A provider with one two-legged consumer; `errors` collects what it reports to onError. */
async function world(options: Partial<ProviderOptions> = {}) {
  const errors: unknown[] = [];
  const provider: Provider = createProvider({
    store: new MemoryStore(),
    onError: (error) => errors.push(error),
    ...options,
  });
  const consumer: Consumer = await provider.registerConsumer({
    name: 'Test',
    owner: 'alice',
    callback: 'oob',
    scopes: ['read_public'],
    twoLegged: true,
  });
  return { provider, consumer, errors };
}

const reached = (_req: unknown, res: express.Response) => res.json({ reached: true });

describe('express onRefused and next', () => {
  it.each([
    [
      'next(refusal.problem)',
      (refusal: { problem: unknown }, next: (e?: unknown) => void) => next(refusal.problem),
    ],
    ['next()', (_refusal: unknown, next: (e?: unknown) => void) => next()],
    ['next("route")', (_refusal: unknown, next: (e?: unknown) => void) => next('route')],
  ])('a 413 answered with %s never reaches the route', async (_name, answer) => {
    const { provider } = await world();
    const oauth = expressAdapter(provider, {
      bodyLimit: 100,
      onRefused: (refusal, _req, _res, next) => answer(refusal, next),
    });
    const app = express();
    app.post('/api', oauth.protect(), reached);
    app.post('/api', reached);
    const url = await serve(app);
    const response = await fetch(`${url}/api`, { method: 'POST', body: 'x'.repeat(500) });
    expect(response.status).toBe(413);
    expect(await response.text()).not.toContain('reached');
  });

  it('next(refusal.error) answers with the status of a server failure, without its detail', async () => {
    const { provider } = await world({
      store: Object.assign(new MemoryStore(), {
        getConsumer: () => Promise.reject(new Error('secret connection string')),
      }),
    });
    const oauth = expressAdapter(provider, {
      onRefused: (refusal, _req, _res, next) => next(refusal.error),
    });
    const app = express();
    app.get('/api', oauth.protect(), reached);
    const url = await serve(app);
    const signed = signRequest({ method: 'GET', url: `${url}/api`, consumerKey: 'k', consumerSecret: 's' });
    const response = await fetch(`${url}/api`, { headers: { authorization: signed.authorization } });
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toContain('secret connection string');
    expect(text).not.toContain('reached');
  });

  it('next(refusal.error) hands an OAuth problem to the error middleware', async () => {
    const { provider } = await world();
    const oauth = expressAdapter(provider, { onRefused: (refusal, _req, _res, next) => next(refusal.error) });
    const app = express();
    app.get('/api', oauth.protect(), reached);
    app.use(
      (error: { status: number; problem: string }, _req: unknown, res: express.Response, _next: unknown) => {
        res.status(error.status).json({ problem: error.problem });
      },
    );
    const url = await serve(app);
    const response = await fetch(`${url}/api`);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ problem: 'parameter_absent' });
  });
});
