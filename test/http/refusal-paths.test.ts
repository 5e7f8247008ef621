/**
 * The ways a refused request could still reach the route, or hang: an Express `onRefused` that
 * calls `next()` with nothing, a body whose bytes a parser took when a body hash is required (by
 * the route or the whole provider), and an `onRefused` that sends nothing or throws.
 */
import { createServer } from 'node:http';
import fastifyFormbody from '@fastify/formbody';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import passport from 'passport';
import { afterEach, describe, expect, it } from 'vitest';
import { signRequest } from '../../packages/countersign/src/client/sign-request.js';
import { expressAdapter } from '../../packages/countersign/src/http/express.js';
import { fastifyAdapter, fromFastifyRequest } from '../../packages/countersign/src/http/fastify.js';
import { fetchAdapter } from '../../packages/countersign/src/http/fetch.js';
import { nodeAdapter } from '../../packages/countersign/src/http/node.js';
import { ConsumerStrategy } from '../../packages/countersign/src/http/passport.js';
import { type Consumer } from '../../packages/countersign/src/provider/model.js';
import { createProvider, type Provider } from '../../packages/countersign/src/provider/provider.js';
import type { ProviderOptions } from '../../packages/countersign/src/provider/options.js';
import { MemoryStore } from '../../packages/countersign/src/stores/memory-store.js';
import { listen, type RunningApp, serveFetch } from '../e2e/apps.js';

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

/** A two-legged request signed without a body hash, carrying a JSON body the signature does not cover. */
function unhashedJson(consumer: Consumer, url: string): RequestInit {
  const signed = signRequest({
    method: 'POST',
    url,
    consumerKey: consumer.key,
    consumerSecret: consumer.secret,
  });
  return {
    method: 'POST',
    headers: { authorization: signed.authorization, 'content-type': 'application/json' },
    body: '{"amount":1000000}',
  };
}

/** Expects the refusal of a body whose bytes a parser took, with advice, not the route's answer. */
async function expectBodyParsedRefusal(response: Response): Promise<void> {
  expect(response.status).toBe(400);
  expect(response.headers.get('www-authenticate')).toContain('oauth_problem="parameter_rejected"');
  const advice = new URLSearchParams(await response.text()).get('oauth_problem_advice');
  expect(advice).toContain('parsed the request body before verifying it');
}

async function serveFastify(app: FastifyInstance): Promise<string> {
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  running.push({ url, close: () => app.close() });
  return url;
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

describe("a provider's bodyHash: 'required' when a parser already read the body", () => {
  const required = { bodyHash: 'required' } as const;

  it('express behind express.json() without keepRawBody', async () => {
    const { provider, consumer } = await world(required);
    const oauth = expressAdapter(provider);
    const app = express();
    app.use(express.json());
    app.post('/api', oauth.protect(), reached);
    const url = await serve(app);
    await expectBodyParsedRefusal(await fetch(`${url}/api`, unhashedJson(consumer, `${url}/api`)));
  });

  it('express still verifies a flat form that urlencoded parsed, re-encoded', async () => {
    const { provider, consumer } = await world(required);
    const oauth = expressAdapter(provider);
    const app = express();
    app.use(express.urlencoded({ extended: false }));
    app.post('/api', oauth.protect(), reached);
    const url = await serve(app);
    const form = [['text', 'a b']] as const;
    const signed = signRequest({
      method: 'POST',
      url: `${url}/api`,
      consumerKey: consumer.key,
      consumerSecret: consumer.secret,
      form,
    });
    const response = await fetch(`${url}/api`, {
      method: 'POST',
      headers: { authorization: signed.authorization, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'text=a%20b',
    });
    expect(response.status).toBe(200);
  });

  it('fastify with protect as an application-wide preHandler hook', async () => {
    const { provider, consumer } = await world(required);
    const oauth = fastifyAdapter(provider);
    const app = Fastify();
    await app.register(oauth.plugin);
    app.addHook('preHandler', oauth.protect());
    app.post('/api', () => ({ reached: true }));
    const url = await serveFastify(app);
    await expectBodyParsedRefusal(await fetch(`${url}/api`, unhashedJson(consumer, `${url}/api`)));
  });

  it('fastify on a guarded route registered before the plugin', async () => {
    const { provider, consumer } = await world(required);
    const oauth = fastifyAdapter(provider);
    const app = Fastify();
    app.post('/api', { preHandler: oauth.protect() }, () => ({ reached: true }));
    await app.register(oauth.plugin);
    const url = await serveFastify(app);
    await expectBodyParsedRefusal(await fetch(`${url}/api`, unhashedJson(consumer, `${url}/api`)));
  });

  it('fetch with the body already read', async () => {
    const { provider, consumer } = await world(required);
    const oauth = fetchAdapter(provider);
    const started = await listen(
      serveFetch(async (request) => {
        await request.json();
        const result = await oauth.protect(request);
        return result instanceof Response ? result : Response.json({ reached: true });
      }),
    );
    running.push(started);
    const url = `${started.url}/api`;
    await expectBodyParsedRefusal(await fetch(url, unhashedJson(consumer, url)));
  });

  it('the Passport strategy behind express.json()', async () => {
    const { provider, consumer } = await world(required);
    const auth = new passport.Passport();
    auth.use(new ConsumerStrategy(provider));
    const app = express();
    app.use(express.json());
    app.use(auth.initialize());
    app.post('/api', auth.authenticate('consumer', { session: false }) as express.RequestHandler, reached);
    const url = await serve(app);
    const response = await fetch(`${url}/api`, unhashedJson(consumer, `${url}/api`));
    expect(response.status).toBe(400);
    expect(await response.text()).not.toContain('reached');
  });
});

describe('an onRefused that sends nothing or throws', () => {
  /** Unsigned: refused as parameter_absent (400); a hang fails the test in two seconds. */
  const unsigned = (url: string) => fetch(`${url}/api`, { signal: AbortSignal.timeout(2000) });
  const silent = () => undefined;
  const throwing = () => {
    throw new Error('secret detail of the app');
  };

  async function expressWith(onRefused: () => unknown) {
    const { provider, errors } = await world();
    const app = express();
    app.get('/api', expressAdapter(provider, { onRefused }).protect(), reached);
    return { url: await serve(app), errors };
  }

  async function nodeWith(onRefused: () => void) {
    const { provider, errors } = await world();
    const oauth = nodeAdapter(provider, { onRefused });
    const outcomes: unknown[] = [];
    const started = await listen(
      createServer((req, res) => {
        oauth.protect(req, res).then(
          (ok) => {
            outcomes.push(ok);
            if (ok) res.end('reached');
          },
          (error: unknown) => outcomes.push(error),
        );
      }),
    );
    running.push(started);
    return { url: started.url, errors, outcomes };
  }

  async function fetchWith(onRefused: () => unknown) {
    const { provider, errors } = await world();
    const oauth = fetchAdapter(provider, { onRefused: onRefused as () => Response });
    const result = await oauth.protect(new Request('http://localhost/api'));
    return { result, errors };
  }

  it('express sends the problem response when onRefused sends nothing', async () => {
    const { url } = await expressWith(silent);
    const response = await unsigned(url);
    expect(response.status).toBe(400);
    expect(response.headers.get('www-authenticate')).toContain('oauth_problem="parameter_absent"');
  });

  it('express answers an onRefused that throws with a 500 without detail', async () => {
    const { url, errors } = await expressWith(throwing);
    const response = await unsigned(url);
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain('secret detail');
    expect(errors).toHaveLength(1);
  });

  it('node:http sends the problem response when onRefused sends nothing', async () => {
    const { url, outcomes } = await nodeWith(silent);
    const response = await unsigned(url);
    expect(response.status).toBe(400);
    expect(response.headers.get('www-authenticate')).toContain('oauth_problem="parameter_absent"');
    expect(outcomes).toEqual([undefined]);
  });

  it('node:http answers an onRefused that throws with a 500, and protect resolves', async () => {
    const { url, errors, outcomes } = await nodeWith(throwing);
    const response = await unsigned(url);
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain('secret detail');
    expect(errors).toHaveLength(1);
    expect(outcomes).toEqual([undefined]);
  });

  it('fetch returns the problem response when onRefused returns nothing', async () => {
    const { result } = await fetchWith(silent);
    expect(result).toBeInstanceOf(Response);
    expect((result as Response).status).toBe(400);
  });

  it('fetch returns a 500 without detail when onRefused throws', async () => {
    const { result, errors } = await fetchWith(throwing);
    expect(result).toBeInstanceOf(Response);
    expect((result as Response).status).toBe(500);
    expect(await (result as Response).text()).not.toContain('secret detail');
    expect(errors).toHaveLength(1);
  });
});

describe("fastify: a route of the application's own that reads the request itself", () => {
  it('verifies an LTI-like form launch through fromFastifyRequest with preParsing: oauth.keepRawBody', async () => {
    const { provider } = await world();
    const lms = await provider.registerConsumer({ name: 'LMS', owner: 'alice', lti: true });
    const oauth = fastifyAdapter(provider);
    const app = Fastify();
    await app.register(fastifyFormbody);
    await app.register(oauth.plugin);
    app.post('/lti/launch', { preParsing: oauth.keepRawBody }, async (request) => ({
      consumer: await provider.verifyLaunch(fromFastifyRequest(request), (v) => v.consumer.name),
      parsed: request.body,
    }));
    const url = `${await serveFastify(app)}/lti/launch`;
    const form = [
      ['lti_message_type', 'basic-lti-launch-request'],
      ['lti_version', 'LTI-1p0'],
      ['resource_link_id', 'link 1'],
    ] as const;
    const signed = signRequest({
      method: 'POST',
      url,
      consumerKey: lms.key,
      consumerSecret: lms.secret,
      form,
    });
    const response = await fetch(url, {
      method: 'POST',
      headers: { authorization: signed.authorization, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form.map(([k, v]): [string, string] => [k, v])).toString(),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      consumer: 'LMS',
      parsed: {
        lti_message_type: 'basic-lti-launch-request',
        lti_version: 'LTI-1p0',
        resource_link_id: 'link 1',
      },
    });
  });
});

describe('express: protect mounted before the body parsers', () => {
  it('leaves the bytes it read in res.locals.rawBody, and its advice names keepRawBody only', async () => {
    const { provider, consumer } = await world();
    const oauth = expressAdapter(provider);
    const app = express();
    app.post('/first', oauth.protect(), express.json(), (_req, res) => {
      res.json({ rawBody: String(res.locals.rawBody) });
    });
    app.post('/parsed', express.json(), oauth.protect({ bodyHash: 'required' }), reached);
    const url = await serve(app);
    const first = await fetch(`${url}/first`, unhashedJson(consumer, `${url}/first`));
    expect(await first.json()).toEqual({ rawBody: '{"amount":1000000}' });
    const parsed = await fetch(`${url}/parsed`, unhashedJson(consumer, `${url}/parsed`));
    expect(parsed.status).toBe(400);
    const advice = new URLSearchParams(await parsed.text()).get('oauth_problem_advice') ?? '';
    expect(advice).toContain('{ verify: oauth.keepRawBody } to express.json()');
    expect(advice).not.toContain('before them');
  });
});
