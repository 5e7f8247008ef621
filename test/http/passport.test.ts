/**
 * `countersign/passport` under Passport 0.7 and Express 5: the strategies put the resource owner and
 * the consumer on `req.user` / `req.authInfo` as passport-http-oauth did, refuse with the engine's
 * problem (status and `WWW-Authenticate`, the whole response through `problemHandler`), and read
 * form bodies parsed or not. passport-http-oauth's own strategies answer the same requests alongside,
 * to show the shape is the one its users have.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import express, { type Express, type RequestHandler } from 'express';
import passport from 'passport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProvider, MemoryStore, OAuthProblem, type Provider, StoreUnavailableError } from 'countersign';
import { OAuthClient, type Credentials } from 'countersign/client';
import { expressAdapter, keepRawBody } from 'countersign/express';
import { ConsumerStrategy, problemHandler, TokenStrategy } from 'countersign/passport';

type Done = (error: unknown, ...results: unknown[]) => void;
/** passport-http-oauth's strategies (CommonJS, untyped): the consumer and token look-ups take callbacks. */
interface OldStrategies {
  TokenStrategy: new (
    consumer: (key: string, done: Done) => void,
    verify: (token: string, done: Done) => void,
  ) => passport.Strategy;
  ConsumerStrategy: new (
    consumer: (key: string, done: Done) => void,
    token: (token: string, done: Done) => void,
  ) => passport.Strategy;
}
const old = createRequire(import.meta.url)('passport-http-oauth') as OldStrategies;

const store = new MemoryStore();
const provider: Provider = createProvider({ store, onError: () => {} });
let server: Server;
let base = '';
let threeLegged: OAuthClient;
let twoLegged: OAuthClient;
let access: Credentials;
let secrets: string[] = [];

/** The route that shows what Passport set. */
const show: RequestHandler = (req, res) => {
  const raw: unknown = res.locals.rawBody;
  res.json({ user: req.user, authInfo: req.authInfo, rawBody: Buffer.isBuffer(raw) ? raw.toString() : raw });
};

function routes(app: Express): void {
  const auth = new passport.Passport();
  const authenticate = (strategy: string | passport.Strategy, options: passport.AuthenticateOptions) =>
    auth.authenticate(strategy, options) as RequestHandler;
  // Before initialize(): here Passport 0.7 uses the logIn that passport-http-oauth's Passport 0.1
  // patched onto every request, which throws without it.
  app.get('/uninitialized', authenticate(new TokenStrategy(provider), { session: false }), show);
  // As passport-http-oauth's apps have it; with two Passports in one process it is needed.
  app.use(auth.initialize());
  auth.use(new TokenStrategy(provider));
  auth.use(new ConsumerStrategy(provider));
  auth.use(
    new TokenStrategy(provider, {
      name: 'mapped',
      user: async (verified) => {
        await Promise.resolve();
        if (verified.user === 'bob') return { id: 7, display: 'Bob' };
        return false;
      },
    }),
  );
  auth.use(new TokenStrategy(provider, { name: 'refusing', user: () => false }));
  auth.use(new TokenStrategy(provider, { name: 'small', bodyLimit: 16 }));
  auth.use(
    new TokenStrategy(provider, {
      name: 'throwing',
      user: () => {
        throw new OAuthProblem('permission_denied', { advice: 'Bob may not see this.' });
      },
    }),
  );
  auth.use(
    new TokenStrategy(provider, {
      name: 'broken',
      user: () => {
        throw new Error('the user table is gone');
      },
    }),
  );
  const lookUpConsumer = (key: string, done: Done) => {
    const consumer = store.getConsumer(key);
    done(null, consumer ?? false, consumer?.secret);
  };
  auth.use(
    'old-oauth',
    new old.TokenStrategy(lookUpConsumer, (token, done) => {
      const found = store.getAccessToken(token);
      done(null, found ? { name: found.user } : false, found?.secret);
    }),
  );
  auth.use('old-consumer', new old.ConsumerStrategy(lookUpConsumer, (_token, done) => done(null, false)));
  const session = { session: false } as const;
  const loud = { session: false, failWithError: true } as const;
  app.get('/me', authenticate('oauth', { ...session, scope: 'read_public' }), show);
  app.get('/me/strict', authenticate('oauth', { ...loud, scope: 'read_public' }), show);
  app.get('/private', authenticate('oauth', { ...session, scope: 'write_private' }), show);
  app.get('/admin', authenticate('oauth', { ...session, scope: 'admin' }), show);
  app.get('/admin/strict', authenticate('oauth', { ...loud, scope: 'admin' }), show);
  app.get('/status', authenticate('consumer', session), show);
  app.get('/status/strict', authenticate('consumer', loud), show);
  app.get('/mapped', authenticate('mapped', session), show);
  app.get('/refusing', authenticate('refusing', loud), show);
  app.get('/throwing', authenticate('throwing', loud), show);
  app.get('/broken', authenticate('broken', loud), show);
  app.post('/notes/raw', authenticate('oauth', session), show);
  app.post('/notes/small', authenticate('small', loud), show);
  app.get('/scopes', authenticate('oauth', { ...loud, scope: ['read_public', 'write_private'] }), show);
  app.post('/notes', express.urlencoded({ extended: false }), authenticate('oauth', loud), show);
  app.post('/notes/json', express.json({ verify: keepRawBody }), authenticate('oauth', loud), show);
  app.post('/notes/json-unkept', express.json(), authenticate('oauth', loud), show);
  app.get('/old/me', authenticate('old-oauth', session), show);
  app.get('/old/status', authenticate('old-consumer', session), show);
  app.use(problemHandler());
  app.use(((_error, _req, res, _next) => {
    res.status(500).type('text/plain').send('Internal server error.');
  }) as express.ErrorRequestHandler);
}

beforeAll(async () => {
  await store.putUser({ name: 'bob', status: 'active', createdAt: 0 });
  const app = express();
  app.use(expressAdapter(provider).endpoints);
  routes(app);
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const printer = await provider.registerConsumer({
    name: 'Printer',
    owner: 'bob',
    callback: 'oob',
    scopes: ['read_public', 'write_private'],
  });
  threeLegged = new OAuthClient({ consumerKey: printer.key, consumerSecret: printer.secret });
  const request = await threeLegged.initiate(`${base}/oauth/initiate`, 'oob', ['read_public']);
  const { verifier = '' } = await provider.decide(request.token, { user: 'bob', approve: true });
  access = await threeLegged.exchange(`${base}/oauth/token`, request, verifier);

  const monitor = await provider.registerConsumer({
    name: 'Monitor',
    owner: 'bob',
    callback: 'oob',
    scopes: ['read_public'],
    twoLegged: true,
  });
  twoLegged = new OAuthClient({ consumerKey: monitor.key, consumerSecret: monitor.secret });
  secrets = [printer.secret, monitor.secret, access.secret];
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await store.close();
});

interface Shown {
  user: Record<string, unknown>;
  authInfo: Record<string, unknown> & { consumer: Record<string, unknown> };
  rawBody: string | null;
}

/** What the route showed; never a secret, unless passport-http-oauth (which handed on the consumer as the app gave it) set it. */
async function shown(response: Response, old = false): Promise<Shown> {
  const text = await response.text();
  expect(response.status, text).toBe(200);
  if (!old) for (const secret of secrets) expect(text).not.toContain(secret);
  return JSON.parse(text) as Shown;
}

describe('TokenStrategy', () => {
  it('lets a three-legged request through with the resource owner as req.user and what it proves as req.authInfo', async () => {
    const { user, authInfo, rawBody } = await shown(await threeLegged.fetch(`${base}/me`, { token: access }));
    expect(user).toEqual({ name: 'bob' });
    expect(authInfo).toMatchObject({
      scheme: 'OAuth',
      user: 'bob',
      token: access.token,
      scopes: ['read_public'],
      twoLegged: false,
    });
    expect(authInfo.consumer).toMatchObject({ key: threeLegged.options.consumerKey, name: 'Printer' });
    expect(authInfo.client).toEqual(authInfo.consumer);
    expect(authInfo.consumer).not.toHaveProperty('secret');
    expect(rawBody).toBe('');
  });

  it('maps the request to the application user with an async callback', async () => {
    const { user, authInfo } = await shown(await threeLegged.fetch(`${base}/mapped`, { token: access }));
    expect(user).toEqual({ id: 7, display: 'Bob' });
    expect(authInfo.user).toBe('bob');
  });

  it('refuses a consumer-only request: it needs oauth_token', async () => {
    const response = await twoLegged.fetch(`${base}/me/strict`);
    expect(response.status).toBe(400);
    expect(response.headers.get('www-authenticate')).toContain('oauth_problem="parameter_absent"');
    expect(response.headers.get('www-authenticate')).toContain('oauth_parameters_absent="oauth_token"');
  });

  it('reads a form body signed as parameters, parsed by express.urlencoded or not parsed at all', async () => {
    const form = [
      ['title', 'Groceries & more'],
      ['tag', 'home'],
    ] as const;
    for (const path of ['/notes', '/notes/raw']) {
      const { authInfo, rawBody } = await shown(
        await threeLegged.fetch(`${base}${path}`, { token: access, form }),
      );
      expect(authInfo.parameters).toEqual([
        { name: 'title', value: 'Groceries & more', source: 'body' },
        { name: 'tag', value: 'home', source: 'body' },
      ]);
      expect(rawBody).toContain('title=Groceries');
    }
  });

  it('reads a form body whose protocol parameters are in the body too', async () => {
    const inBody = new OAuthClient({ ...threeLegged.options, placement: 'body' });
    const { authInfo } = await shown(
      await inBody.fetch(`${base}/notes`, { token: access, form: [['title', 'x']] }),
    );
    expect(authInfo.parameters).toEqual([{ name: 'title', value: 'x', source: 'body' }]);
  });
});

describe('TokenStrategy behind express.json()', () => {
  const note = { type: 'application/json', data: JSON.stringify({ title: 'Groceries' }) };

  it('verifies a body-hashed JSON body whose bytes keepRawBody kept', async () => {
    const { rawBody } = await shown(
      await threeLegged.fetch(`${base}/notes/json`, { token: access, body: note }),
    );
    expect(rawBody).toBe(note.data);
  });

  it('refuses one parsed away without keepRawBody with advice naming it, not a body hash mismatch', async () => {
    const response = await threeLegged.fetch(`${base}/notes/json-unkept`, { token: access, body: note });
    const text = await response.text();
    expect(response.status).toBe(400);
    expect(text).toContain('keepRawBody');
    expect(text).not.toContain('body_hash_invalid');
  });
});

describe('ConsumerStrategy', () => {
  it('lets a two-legged request through with the consumer, without its secret, as req.user', async () => {
    const { user, authInfo } = await shown(await twoLegged.fetch(`${base}/status`));
    expect(user).toMatchObject({ key: twoLegged.options.consumerKey, name: 'Monitor', twoLegged: true });
    expect(user).not.toHaveProperty('secret');
    expect(authInfo).toMatchObject({ scheme: 'OAuth', twoLegged: true, scopes: ['read_public'] });
    expect(authInfo).not.toHaveProperty('token');
  });

  it('refuses a consumer not allowed to sign consumer-only requests', async () => {
    const response = await threeLegged.fetch(`${base}/status/strict`);
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toContain('oauth_problem="consumer_key_invalid"');
  });
});

describe('refusals', () => {
  it('answers a wrong signature with 401 and its problem in WWW-Authenticate, as Passport answers any 401', async () => {
    const wrong = new OAuthClient({ ...threeLegged.options, consumerSecret: 'not-the-secret' });
    const response = await wrong.fetch(`${base}/me`, { token: access });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(
      /^OAuth realm="http:\/\/127\.0\.0\.1:\d+\/", oauth_problem="signature_invalid"/,
    );
    expect(await response.text()).toBe('Unauthorized');
  });

  it('answers a replayed nonce with nonce_used', async () => {
    const signed = threeLegged.sign(`${base}/me`, { token: access });
    const send = () => fetch(`${base}/me`, { headers: { authorization: signed.authorization } });
    expect((await send()).status).toBe(200);
    const replay = await send();
    expect(replay.status).toBe(401);
    expect(replay.headers.get('www-authenticate')).toContain('oauth_problem="nonce_used"');
  });

  it('answers a scope the token lacks with additional_authorization_required', async () => {
    const response = await threeLegged.fetch(`${base}/private`, { token: access });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain(
      'oauth_problem="additional_authorization_required"',
    );
  });

  it('keeps the problem status; Passport alone sends WWW-Authenticate with a 401 only, problemHandler always', async () => {
    const bare = await threeLegged.fetch(`${base}/admin`, { token: access });
    expect(bare.status).toBe(403);
    expect(bare.headers.get('www-authenticate')).toBeNull();
    const whole = await threeLegged.fetch(`${base}/admin/strict`, {
      token: access,
      headers: { accept: 'application/json' },
    });
    expect(whole.status).toBe(403);
    expect(whole.headers.get('www-authenticate')).toContain('oauth_problem="permission_denied"');
    expect(await whole.json()).toMatchObject({ oauth_problem: 'permission_denied' });
  });

  it('sends the whole problem, body and all, through problemHandler', async () => {
    const wrong = new OAuthClient({ ...threeLegged.options, consumerSecret: 'not-the-secret' });
    const response = await wrong.fetch(`${base}/me/strict`, { token: access });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('oauth_problem="signature_invalid"');
    expect(await response.text()).toMatch(/^oauth_problem=signature_invalid&/);
  });

  it('refuses when the user callback refuses, as user_refused or as the problem it throws', async () => {
    const refused = await threeLegged.fetch(`${base}/refusing`, { token: access });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('www-authenticate')).toContain('oauth_problem="user_refused"');
    const thrown = await threeLegged.fetch(`${base}/throwing`, { token: access });
    expect(thrown.status).toBe(403);
    expect(thrown.headers.get('www-authenticate')).toContain('oauth_problem="permission_denied"');
    expect(await thrown.text()).toContain('Bob%20may%20not%20see%20this.');
  });

  it('answers a body over the limit with 413', async () => {
    const response = await threeLegged.fetch(`${base}/notes/small`, {
      token: access,
      form: [['title', 'x'.repeat(64)]],
    });
    expect(response.status).toBe(413);
    expect(await response.text()).toBe('Request body too large.');
  });

  it('takes one scope per route: a list is a mistake of the app, never a check skipped', async () => {
    const response = await threeLegged.fetch(`${base}/scopes`, { token: access });
    expect(response.status).toBe(500);
  });

  it('hands an error of the user callback to Express as an error, its detail kept from the client', async () => {
    const response = await threeLegged.fetch(`${base}/broken`, { token: access });
    expect(response.status).toBe(500);
    expect(await response.text()).toBe('Internal server error.');
  });
});

describe('an unreachable store', () => {
  it('is answered 503 by problemHandler, as the adapters answer it', async () => {
    class Unreachable extends MemoryStore {
      override getConsumer(): never {
        throw new StoreUnavailableError('connection refused');
      }
    }
    const down = createProvider({ store: new Unreachable(), onError: () => {} });
    const auth = new passport.Passport();
    auth.use(new TokenStrategy(down));
    const app = express();
    app.use(auth.initialize());
    app.get('/me', auth.authenticate('oauth', { session: false }) as RequestHandler, show);
    app.use(problemHandler());
    const listening = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => listening.once('listening', resolve));
    try {
      const port = (listening.address() as AddressInfo).port;
      const response = await threeLegged.fetch(`http://127.0.0.1:${port}/me`, { token: access });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('2');
      expect(await response.text()).not.toContain('connection refused');
    } finally {
      await new Promise((resolve) => listening.close(resolve));
    }
  });
});

describe('beside passport-http-oauth', () => {
  it('gives a three-legged request the same req.user and the authInfo fields it gave', async () => {
    const before = await shown(await threeLegged.fetch(`${base}/old/me`, { token: access }), true);
    const after = await shown(await threeLegged.fetch(`${base}/me`, { token: access }));
    expect(after.user).toEqual(before.user);
    expect(Object.keys(after.authInfo)).toEqual(expect.arrayContaining(Object.keys(before.authInfo)));
    expect(after.authInfo.scheme).toBe(before.authInfo.scheme);
    expect(after.authInfo.consumer.key).toBe(before.authInfo.consumer.key);
  });

  it('gives a consumer-only request the consumer as req.user, as its ConsumerStrategy did', async () => {
    const before = await shown(await twoLegged.fetch(`${base}/old/status`), true);
    const after = await shown(await twoLegged.fetch(`${base}/status`));
    expect(after.user.key).toBe(before.user.key);
  });

  it('fails a wrong signature the same way: 401, the challenge naming signature_invalid', async () => {
    const wrong = new OAuthClient({ ...threeLegged.options, consumerSecret: 'not-the-secret' });
    const before = await wrong.fetch(`${base}/old/me`, { token: access });
    const after = await wrong.fetch(`${base}/me`, { token: access });
    expect(after.status).toBe(before.status);
    expect(before.headers.get('www-authenticate')).toContain('oauth_problem="signature_invalid"');
    expect(after.headers.get('www-authenticate')).toContain('oauth_problem="signature_invalid"');
  });

  it('hands an error Passport throws while logging in to Express, rather than leaving the request hanging', async () => {
    const response = await threeLegged.fetch(`${base}/uninitialized`, { token: access });
    expect(response.status).toBe(500);
  });
});
