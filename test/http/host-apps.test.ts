/**
 * Every adapter mounted inside a host application that has parsers and routes of its own: the
 * application's JSON and form routes still get parsed bodies, a route after `protect` still reads
 * the parsed body, signed requests (a signed form, a body-hashed JSON body, a GET with a query)
 * verify, and a refusal is either the default problem response or the application's own answer.
 */
import { createServer, type IncomingMessage } from 'node:http';
import fastifyFormbody from '@fastify/formbody';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../packages/countersign/src/client/sign-request.js';
import { expressAdapter, verifiedRequest } from '../../packages/countersign/src/http/express.js';
import { fastifyAdapter } from '../../packages/countersign/src/http/fastify.js';
import { fetchAdapter } from '../../packages/countersign/src/http/fetch.js';
import { nodeAdapter } from '../../packages/countersign/src/http/node.js';
import type { Refusal } from '../../packages/countersign/src/http/refusal.js';
import type { Provider } from '../../packages/countersign/src/provider/provider.js';
import type { VerifiedRequest, VerifyOptions } from '../../packages/countersign/src/provider/verify.js';
import { listen, type RunningApp, serveFetch } from '../e2e/apps.js';
import { accessToken, createWorld, type World } from '../e2e/world.js';

/** How a host app answers a refusal when it handles refusals itself. */
const APP_REFUSAL_STATUS = 418;
const appRefusal = (refusal: Refusal) => ({
  refusedBy: 'app',
  problem: refusal.problem?.problem ?? null,
  status: refusal.response.status,
});

type Start = (provider: Provider, ownRefusals: boolean) => Promise<RunningApp>;

/** What a protected route answers: who the request was for, and the body as the app parsed it. */
const answer = (verified: VerifiedRequest, parsed: unknown) => ({
  user: verified.user ?? null,
  parameters: verified.parameters.map((p) => [p.name, p.value]),
  parsed,
});

/** The two parsers of a node:http or fetch app of its own, by content type. */
function parseBody(type: string | null | undefined, text: string): unknown {
  if (type?.startsWith('application/json')) return JSON.parse(text) as unknown;
  return Object.fromEntries(new URLSearchParams(text));
}

const json = (value: unknown, status = 200) =>
  new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json' } });

const startNode: Start = async (provider, ownRefusals) => {
  const oauth = nodeAdapter(provider, {
    ...(ownRefusals && {
      onRefused: (refusal, _req, res) => {
        res.writeHead(APP_REFUSAL_STATUS, { 'content-type': 'application/json' });
        res.end(JSON.stringify(appRefusal(refusal)));
      },
    }),
  });
  const text = async (req: IncomingMessage) => {
    let body = '';
    for await (const chunk of req as AsyncIterable<Buffer>) body += chunk.toString('utf8');
    return body;
  };
  const server = createServer((req, res) => {
    void (async () => {
      const send = (value: unknown) =>
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      const path = (req.url ?? '/').split('?')[0];
      if (await oauth.handleEndpoint(req, res)) return;
      if (path === '/app/json') return send({ parsed: parseBody('application/json', await text(req)) });
      if (path === '/app/form') return send({ parsed: parseBody('form', await text(req)) });
      if (!path?.startsWith('/api/')) return res.writeHead(404).end();
      const ok = await oauth.protect(req, res, path === '/api/json' ? { bodyHash: 'required' } : {});
      if (!ok) return;
      const parsed =
        ok.body.length > 0 ? parseBody(req.headers['content-type'], ok.body.toString('utf8')) : null;
      send(answer(ok.verified, parsed));
    })();
  });
  return listen(server);
};

function expressApp(provider: Provider, ownRefusals: boolean, keepRawBody: boolean) {
  const oauth = expressAdapter(provider, {
    ...(ownRefusals && {
      onRefused: (refusal, _req, res) => res.status(APP_REFUSAL_STATUS).json(appRefusal(refusal)),
    }),
  });
  const app = express();
  const verify = keepRawBody ? { verify: oauth.keepRawBody } : {};
  app.use(express.json(verify));
  app.use(express.urlencoded({ extended: false, ...verify }));
  app.use(oauth.endpoints);
  app.post('/app/json', (req, res) => res.json({ parsed: req.body as unknown }));
  app.post('/app/form', (req, res) => res.json({ parsed: req.body as unknown }));
  app.post('/api/form', oauth.protect(), (req, res) => res.json(answer(verifiedRequest(res), req.body)));
  app.post('/api/json', oauth.protect({ bodyHash: 'required' }), (req, res) =>
    res.json(answer(verifiedRequest(res), req.body)),
  );
  app.get('/api/query', oauth.protect(), (_req, res) => res.json(answer(verifiedRequest(res), null)));
  return listen(createServer(app));
}

const startExpress: Start = (provider, ownRefusals) => expressApp(provider, ownRefusals, true);

const startFastify: Start = async (provider, ownRefusals) => {
  const oauth = fastifyAdapter(provider, {
    ...(ownRefusals && {
      onRefused: (refusal, _request, reply) => reply.code(APP_REFUSAL_STATUS).send(appRefusal(refusal)),
    }),
  });
  const app = Fastify();
  await app.register(fastifyFormbody);
  await app.register(oauth.plugin);
  app.post('/app/json', (request) => ({ parsed: request.body }));
  app.post('/app/form', (request) => ({ parsed: request.body }));
  app.post('/api/form', { preHandler: oauth.protect() }, (request) =>
    answer(request.oauth as VerifiedRequest, request.body),
  );
  // In a context of the app's own, registered after the plugin: the plugin's hook reaches it.
  await app.register((api, _options, done) => {
    api.post('/api/json', { preHandler: oauth.protect({ bodyHash: 'required' }) }, (request) =>
      answer(request.oauth as VerifiedRequest, request.body),
    );
    done();
  });
  app.get('/api/query', { preHandler: oauth.protect() }, (request) =>
    answer(request.oauth as VerifiedRequest, null),
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
};

const startHono: Start = async (provider, ownRefusals) => {
  const oauth = fetchAdapter(provider, {
    ...(ownRefusals && { onRefused: (refusal) => json(appRefusal(refusal), APP_REFUSAL_STATUS) }),
  });
  type Env = { Variables: { oauth: VerifiedRequest } };
  const app = new Hono<Env>();
  const protect = (options: VerifyOptions = {}) =>
    createMiddleware<Env>(async (c, next) => {
      const result = await oauth.protect(c.req.raw, options);
      if (result instanceof Response) return result;
      c.set('oauth', result.verified);
      await next();
      return undefined;
    });
  app.all('/oauth/*', async (c) => (await oauth.handleEndpoint(c.req.raw)) ?? c.notFound());
  app.post('/app/json', async (c) => c.json({ parsed: await c.req.json() }));
  app.post('/app/form', async (c) => c.json({ parsed: await c.req.parseBody() }));
  app.post('/api/form', protect(), async (c) => c.json(answer(c.get('oauth'), await c.req.parseBody())));
  app.post('/api/json', protect({ bodyHash: 'required' }), async (c) =>
    c.json(answer(c.get('oauth'), await c.req.json())),
  );
  app.get('/api/query', protect(), (c) => c.json(answer(c.get('oauth'), null)));
  return listen(serveFetch(async (request) => app.fetch(request)));
};

const startFetch: Start = async (provider, ownRefusals) => {
  const oauth = fetchAdapter(provider, {
    ...(ownRefusals && { onRefused: (refusal) => json(appRefusal(refusal), APP_REFUSAL_STATUS) }),
  });
  return listen(
    serveFetch(async (request) => {
      const endpoint = await oauth.handleEndpoint(request);
      if (endpoint) return endpoint;
      const { pathname } = new URL(request.url);
      const type = request.headers.get('content-type');
      if (pathname.startsWith('/app/')) return json({ parsed: parseBody(type, await request.text()) });
      const result = await oauth.protect(request, pathname === '/api/json' ? { bodyHash: 'required' } : {});
      if (result instanceof Response) return result;
      // The request's own body is still there to read after protect.
      const parsed = request.method === 'GET' ? null : parseBody(type, await request.text());
      return json(answer(result.verified, parsed));
    }),
  );
};

const HOSTS: readonly (readonly [string, Start])[] = [
  ['node:http', startNode],
  ['express', startExpress],
  ['fastify', startFastify],
  ['hono', startHono],
  ['fetch', startFetch],
];

interface Signed {
  readonly method?: string;
  readonly path: string;
  readonly form?: readonly (readonly [string, string])[];
  readonly json?: string;
  /** A body other than the one signed. */
  readonly sentJson?: string;
  readonly token?: { token: string; secret: string };
}

/** Signs with Countersign's own client and sends to the host app. */
function sendSigned(world: World, app: RunningApp, request: Signed): Promise<Response> {
  const method = request.method ?? 'POST';
  const url = `${app.url}${request.path}`;
  const signed = signRequest({
    method,
    url,
    consumerKey: world.consumer.key,
    consumerSecret: world.consumer.secret,
    token: request.token?.token,
    tokenSecret: request.token?.secret,
    timestamp: String(world.seconds()),
    ...(request.form && { form: request.form }),
    ...(request.json !== undefined && { body: request.json }),
  });
  const headers: Record<string, string> = { authorization: signed.authorization };
  let body: string | undefined;
  if (request.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(request.form.map(([k, v]): [string, string] => [k, v])).toString();
  } else if (request.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = request.sentJson ?? request.json;
  }
  return fetch(url, { method, headers, ...(body === undefined ? {} : { body }) });
}

const post = (app: RunningApp, path: string, type: string, body: string) =>
  fetch(`${app.url}${path}`, { method: 'POST', headers: { 'content-type': type }, body });

const NOTE = JSON.stringify({ text: 'signed by hash', n: 1 });

describe.each(HOSTS)('%s mounted in a host app with parsers and routes of its own', (_name, start) => {
  let world: World;
  let app: RunningApp;
  let own: RunningApp;
  let token: { token: string; secret: string };
  beforeAll(async () => {
    world = await createWorld();
    app = await start(world.provider, false);
    own = await start(world.provider, true);
    token = await accessToken(world, app.url, ['read_public']);
  });
  afterAll(async () => {
    await app.close();
    await own.close();
  });

  it("leaves the app's own JSON and form routes their parsed bodies", async () => {
    const jsonAnswer = await post(app, '/app/json', 'application/json', '{"a":[1,2]}');
    expect(jsonAnswer.status).toBe(200);
    expect(await jsonAnswer.json()).toEqual({ parsed: { a: [1, 2] } });
    const formAnswer = await post(app, '/app/form', 'application/x-www-form-urlencoded', 'a=1&b=two');
    expect(formAnswer.status).toBe(200);
    expect(await formAnswer.json()).toEqual({ parsed: { a: '1', b: 'two' } });
  });

  it('verifies a signed form body, and the route after protect reads it parsed', async () => {
    const response = await sendSigned(world, app, {
      path: '/api/form',
      form: [
        ['text', 'hello world'],
        ['n', '2'],
      ],
      token,
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      user: 'bob',
      parameters: [
        ['text', 'hello world'],
        ['n', '2'],
      ],
      parsed: { text: 'hello world', n: '2' },
    });
  });

  it('verifies a body-hashed JSON body, and refuses it changed', async () => {
    const response = await sendSigned(world, app, { path: '/api/json', json: NOTE, token });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { parsed: unknown }).parsed).toEqual(JSON.parse(NOTE));
    const changed = await sendSigned(world, app, {
      path: '/api/json',
      json: NOTE,
      sentJson: NOTE.replace('1', '2'),
      token,
    });
    expect(changed.status).toBe(400);
    expect(changed.headers.get('www-authenticate')).toContain('oauth_parameters_rejected="oauth_body_hash');
  });

  it('verifies a GET with a query', async () => {
    const response = await sendSigned(world, app, {
      method: 'GET',
      path: '/api/query?q=a%20b&page=2',
      token,
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { parameters: unknown }).parameters).toEqual([
      ['q', 'a b'],
      ['page', '2'],
    ]);
  });

  it('answers a refusal with the problem response, or lets the app answer it', async () => {
    const unsigned = await post(app, '/api/json', 'application/json', NOTE);
    expect(unsigned.status).toBe(400);
    expect(unsigned.headers.get('www-authenticate')).toContain('oauth_problem="parameter_absent"');
    const handled = await post(own, '/api/json', 'application/json', NOTE);
    expect(handled.status).toBe(APP_REFUSAL_STATUS);
    expect(await handled.json()).toEqual({ refusedBy: 'app', problem: 'parameter_absent', status: 400 });
    const verified = await sendSigned(world, own, { path: '/api/json', json: NOTE, token });
    expect(verified.status).toBe(200);
  });
});

describe('express behind express.json() and express.urlencoded() without keepRawBody', () => {
  let world: World;
  let app: RunningApp;
  let token: { token: string; secret: string };
  beforeAll(async () => {
    world = await createWorld();
    app = await expressApp(world.provider, false, false);
    token = await accessToken(world, app.url, ['read_public']);
  });
  afterAll(() => app.close());

  it('refuses a body-hashed JSON body with advice naming keepRawBody, not as a hash mismatch', async () => {
    const response = await sendSigned(world, app, { path: '/api/json', json: NOTE, token });
    expect(response.status).toBe(400);
    const challenge = response.headers.get('www-authenticate') ?? '';
    expect(challenge).toContain('oauth_problem="parameter_rejected"');
    expect(challenge).not.toContain('does not match');
    const advice = new URLSearchParams(await response.text()).get('oauth_problem_advice');
    expect(advice).toContain('{ verify: oauth.keepRawBody } to express.json()');
  });

  it('still verifies a flat form, re-encoded, and a GET', async () => {
    const form = await sendSigned(world, app, { path: '/api/form', form: [['text', 'a+b c']], token });
    expect(form.status).toBe(200);
    const query = await sendSigned(world, app, { method: 'GET', path: '/api/query?q=1', token });
    expect(query.status).toBe(200);
  });
});

describe('fastify: bodies no parser reads', () => {
  let world: World;
  let app: RunningApp;
  beforeAll(async () => {
    world = await createWorld();
    app = await startFastify(world.provider, false);
  });
  afterAll(() => app.close());

  it('leaves the connection usable after a 415 body on a guarded route', async () => {
    const big = 'x'.repeat(256 * 1024);
    // undici keeps the connection alive: a body left half read would stall the next request.
    for (let round = 0; round < 3; round++) {
      const unsupported = await post(app, '/api/json', 'application/xml', big);
      expect(unsupported.status).toBe(415);
      await unsupported.arrayBuffer();
      const next = await post(app, '/app/json', 'application/json', '{"after":true}');
      expect(await next.json()).toEqual({ parsed: { after: true } });
    }
  });

  it('answers a body over the limit with 413 and verifies the next request', async () => {
    const over = await post(
      app,
      '/api/json',
      'application/json',
      JSON.stringify({ a: 'x'.repeat(2 * 1024 * 1024) }),
    );
    expect(over.status).toBe(413);
    const token = await accessToken(world, app.url, ['read_public']);
    const response = await sendSigned(world, app, { path: '/api/json', json: NOTE, token });
    expect(response.status).toBe(200);
  });
});

describe('fastify: a guarded route the plugin did not see', () => {
  it('refuses a body-hashed JSON body with advice to register the plugin first, not as a mismatch', async () => {
    const world = await createWorld();
    const oauth = fastifyAdapter(world.provider);
    const fastify = Fastify();
    fastify.post('/early', { preHandler: oauth.protect({ bodyHash: 'required' }) }, () => ({ ok: true }));
    await fastify.register(oauth.plugin);
    const base = await fastify.listen({ port: 0, host: '127.0.0.1' });
    try {
      const app = { url: base, close: () => Promise.resolve() };
      const token = await accessToken(world, base, ['read_public']);
      const response = await sendSigned(world, app, { path: '/early', json: NOTE, token });
      expect(response.status).toBe(400);
      const advice = new URLSearchParams(await response.text()).get('oauth_problem_advice');
      expect(advice).toContain('register oauth.plugin before this route');
    } finally {
      await fastify.close();
    }
  });
});
