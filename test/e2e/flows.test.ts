/**
 * Full flows through every adapter, with requests signed by independent client libraries from npm
 * (`oauth-1.0a` and `oauth`): three-legged and two-legged, a GET with awkward query values, a
 * form-body POST, and a JSON body covered by `oauth_body_hash`.
 */
import { createHash, createHmac } from 'node:crypto';
import { OAuth as NodeOAuth } from 'oauth';
import OAuth1a from 'oauth-1.0a';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS, type RunningApp } from './apps.js';
import { CALLBACK, createWorld, formOf, type World } from './world.js';

type Token = { key: string; secret: string } | undefined;

/** An `oauth-1.0a` client for the world's main consumer. */
function client1a(world: World) {
  return new OAuth1a({
    consumer: { key: world.consumer.key, secret: world.consumer.secret },
    signature_method: 'HMAC-SHA1',
    hash_function: (base, key) => createHmac('sha1', key).update(base).digest('base64'),
    body_hash_function: (body) => createHash('sha1').update(body).digest('base64'),
  });
}

/** Sends a request signed by `oauth-1.0a`, protocol parameters in the header. */
function fetch1a(
  world: World,
  request: {
    url: string;
    method: string;
    data?: Record<string, string | string[]>;
    form?: boolean;
    json?: string;
  },
  token: Token,
  extraOauth: Record<string, string> = {},
): Promise<Response> {
  const oauth = client1a(world);
  const signed = oauth.authorize(
    {
      url: request.url,
      method: request.method,
      data: request.json ?? { ...request.data, ...extraOauth },
      ...(request.json ? { includeBodyHash: true } : {}),
    },
    token,
  );
  const headers: Record<string, string> = { ...oauth.toHeader({ ...signed, ...extraOauth }) };
  let body: string | undefined;
  if (request.form && request.data) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = Object.entries(request.data)
      .flatMap(([k, v]) =>
        (Array.isArray(v) ? v : [v]).map((x) => `${oauth.percentEncode(k)}=${oauth.percentEncode(x)}`),
      )
      .join('&');
  }
  if (request.json) {
    headers['content-type'] = 'application/json';
    body = request.json;
  }
  return fetch(request.url, { method: request.method, headers, ...(body === undefined ? {} : { body }) });
}

function nodeOAuth(world: World, base: string): NodeOAuth {
  return new NodeOAuth(
    `${base}/oauth/initiate`,
    `${base}/oauth/token`,
    world.consumer.key,
    world.consumer.secret,
    // The library sends this as oauth_version; the common '1.0A' is refused with version_rejected.
    '1.0',
    CALLBACK,
    'HMAC-SHA1',
  );
}

describe.each(ADAPTERS)('flows through $name', (adapter) => {
  let world: World;
  let app: RunningApp;
  beforeAll(async () => {
    world = await createWorld();
    app = await adapter.start(world.provider);
  });
  afterAll(() => app.close());

  it('three-legged with the `oauth` library: initiate with scope, approve, exchange, call', async () => {
    const client = nodeOAuth(world, app.url);
    const request = await new Promise<{ token: string; secret: string; results: Record<string, unknown> }>(
      (resolve, reject) =>
        client.getOAuthRequestToken({ scope: 'read_public,read_private' }, (error, token, secret, results) =>
          error
            ? reject(new Error(JSON.stringify(error)))
            : resolve({ token, secret, results: results as Record<string, unknown> }),
        ),
    );
    expect(request.results.oauth_callback_confirmed).toBe('true');
    const details = await world.provider.authorization(request.token);
    expect(details.scopes).toEqual(['read_public', 'read_private']);
    expect(details.callbackHost).toBe('client.example');
    const outcome = await world.provider.decide(request.token, { user: 'bob', approve: true });
    expect(outcome.redirect).toBe(
      `${CALLBACK}?oauth_token=${request.token}&oauth_verifier=${outcome.verifier}`,
    );
    const access = await new Promise<{ token: string; secret: string }>((resolve, reject) =>
      client.getOAuthAccessToken(
        request.token,
        request.secret,
        outcome.verifier ?? '',
        (error, token, secret) =>
          error ? reject(new Error(JSON.stringify(error))) : resolve({ token, secret }),
      ),
    );
    const me = await new Promise<string>((resolve, reject) =>
      client.get(`${app.url}/api/notes`, access.token, access.secret, (error, data) =>
        error ? reject(new Error(JSON.stringify(error))) : resolve(String(data)),
      ),
    );
    expect(JSON.parse(me)).toMatchObject({
      user: 'bob',
      twoLegged: false,
      scopes: ['read_public', 'read_private'],
    });
    const posted = await new Promise<string>((resolve, reject) =>
      client.post(
        `${app.url}/api/echo`,
        access.token,
        access.secret,
        { text: 'a note: 100% ~ +ok' },
        'application/x-www-form-urlencoded',
        (error, data) => (error ? reject(new Error(JSON.stringify(error))) : resolve(String(data))),
      ),
    );
    expect(JSON.parse(posted)).toMatchObject({ parameters: [['text', 'a note: 100% ~ +ok']] });
  });

  describe('with `oauth-1.0a`', () => {
    let access: Token;
    it('three-legged: initiate, approve, exchange', async () => {
      const initiate = await fetch1a(world, { url: `${app.url}/oauth/initiate`, method: 'POST' }, undefined, {
        oauth_callback: CALLBACK,
      });
      expect(initiate.status).toBe(200);
      const request = await formOf(initiate);
      const { verifier = '' } = await world.provider.decide(request.oauth_token ?? '', {
        user: 'bob',
        approve: true,
      });
      const token = await fetch1a(
        world,
        { url: `${app.url}/oauth/token`, method: 'POST' },
        { key: request.oauth_token ?? '', secret: request.oauth_token_secret ?? '' },
        { oauth_verifier: verifier },
      );
      expect(token.status).toBe(200);
      const form = await formOf(token);
      access = { key: form.oauth_token ?? '', secret: form.oauth_token_secret ?? '' };
      expect(access.key).toMatch(/^[a-z0-9]{32}$/);
    });

    it('a GET with awkward query values: spaces, "+", "~", "%", non-ASCII, repeated keys', async () => {
      const query =
        'q=hello%20world&plus=a%2Bb&tilde=~user&pct=100%25&utf=caf%C3%A9%20%E6%97%A5&tag=a&tag=b&empty=';
      const response = await fetch1a(world, { url: `${app.url}/api/me?${query}`, method: 'GET' }, access);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { parameters: string[][]; user: string };
      expect(body.user).toBe('bob');
      expect(body.parameters).toEqual([
        ['q', 'hello world'],
        ['plus', 'a+b'],
        ['tilde', '~user'],
        ['pct', '100%'],
        ['utf', 'café 日'],
        ['tag', 'a'],
        ['tag', 'b'],
        ['empty', ''],
      ]);
    });

    it('a form-body POST', async () => {
      const data = { title: 'Trip & photos', body: 'line one\nline two ✓', tags: ['x', 'y'] };
      const response = await fetch1a(
        world,
        { url: `${app.url}/api/echo`, method: 'POST', data, form: true },
        access,
      );
      expect(response.status).toBe(200);
      const body = (await response.json()) as { parameters: string[][] };
      expect(body.parameters).toEqual([
        ['title', 'Trip & photos'],
        ['body', 'line one\nline two ✓'],
        ['tags', 'x'],
        ['tags', 'y'],
      ]);
    });

    it('a JSON body with oauth_body_hash, and the same request with the body changed', async () => {
      const json = JSON.stringify({ text: 'signed by hash', n: 1 });
      const ok = await fetch1a(world, { url: `${app.url}/api/echo`, method: 'POST', json }, access);
      expect(ok.status).toBe(200);
      expect(((await ok.json()) as { body: string }).body).toBe(json);

      const oauth = client1a(world);
      const signed = oauth.authorize(
        { url: `${app.url}/api/echo`, method: 'POST', data: json, includeBodyHash: true },
        access,
      );
      const tampered = await fetch(`${app.url}/api/echo`, {
        method: 'POST',
        headers: { ...oauth.toHeader(signed), 'content-type': 'application/json' },
        body: json.replace('1', '2'),
      });
      expect(tampered.status).toBe(400);
      expect(tampered.headers.get('www-authenticate')).toContain('oauth_problem="parameter_rejected"');
      expect(tampered.headers.get('www-authenticate')).toContain('oauth_body_hash');
    });

    it('two-legged: consumer credentials and no token', async () => {
      const response = await fetch1a(world, { url: `${app.url}/api/me?lti=1`, method: 'GET' }, undefined);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        user: null,
        twoLegged: true,
        scopes: world.consumer.scopes,
      });
    });
  });
});
