/**
 * The reference server without a browser: the sample API (form and JSON bodies, two-legged refusal),
 * CSRF on forms, sign-in before consent, /healthz and /metrics, and logs that never carry a secret.
 */
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../packages/countersign/src/client/sign-request.js';
import { parseFormEncoded } from '../../packages/countersign/src/core/parameters.js';
import type { Consumer } from '../../packages/countersign/src/provider/model.js';
import { createProvider } from '../../packages/countersign/src/provider/provider.js';
import { buildServer } from '../../packages/server/src/server/app.js';
import { MemoryServerData } from '../../packages/server/src/data/memory-data.js';
import { putAccount } from '../support/accounts.js';
import { MemoryStore } from '../../packages/countersign/src/stores/memory-store.js';

const BASE = 'http://localhost:80';

describe('the reference server', () => {
  let app: FastifyInstance;
  let store: MemoryStore;
  let data: MemoryServerData;
  let consumer: Consumer;
  let access: { token: string; secret: string };
  let logs = '';

  beforeAll(async () => {
    store = new MemoryStore();
    data = new MemoryServerData();
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs += chunk.toString();
        done();
      },
    });
    app = await buildServer({ store, data, log: { level: 'info', stream } });
    await store.putUser({ name: 'bob', status: 'active', createdAt: 0 });
    consumer = await createProvider({ store }).registerConsumer({
      name: 'Notes app',
      owner: 'bob',
      callback: 'oob',
      scopes: ['read_public', 'read_private', 'write_private'],
      signatureMethods: ['HMAC-SHA1', 'PLAINTEXT'],
      twoLegged: true,
    });
    const initiate = await signed('POST', '/oauth/initiate', { extra: { oauth_callback: 'oob' } });
    const request = Object.fromEntries(parseFormEncoded(initiate.body, 'body').map((p) => [p.name, p.value]));
    const { verifier = '' } = await createProvider({ store }).decide(request.oauth_token ?? '', {
      user: 'bob',
      approve: true,
    });
    const exchanged = await signed('POST', '/oauth/token', {
      token: request.oauth_token,
      tokenSecret: request.oauth_token_secret,
      extra: { oauth_verifier: verifier },
    });
    const form = Object.fromEntries(parseFormEncoded(exchanged.body, 'body').map((p) => [p.name, p.value]));
    access = { token: form.oauth_token ?? '', secret: form.oauth_token_secret ?? '' };
  });
  afterAll(() => app.close());

  function signed(
    method: string,
    path: string,
    options: {
      token?: string | undefined;
      tokenSecret?: string | undefined;
      extra?: Record<string, string>;
      form?: [string, string][];
      json?: string;
    } = {},
  ) {
    const auth = signRequest({
      method,
      url: BASE + path,
      consumerKey: consumer.key,
      consumerSecret: consumer.secret,
      token: options.token,
      tokenSecret: options.tokenSecret,
      ...(options.extra ? { extra: options.extra } : {}),
      ...(options.form ? { form: options.form } : {}),
      ...(options.json ? { body: options.json } : {}),
    });
    const headers: Record<string, string> = { authorization: auth.authorization, host: 'localhost' };
    let payload: string | undefined;
    if (options.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      payload = new URLSearchParams(options.form).toString();
    }
    if (options.json) {
      headers['content-type'] = 'application/json';
      payload = options.json;
    }
    return app.inject({
      method: method as 'GET',
      url: path,
      headers,
      ...(payload === undefined ? {} : { payload }),
    });
  }

  const user = () => ({ token: access.token, tokenSecret: access.secret });

  it('creates notes from a form body and a JSON body, lists and deletes them', async () => {
    const fromForm = await signed('POST', '/api/v1/notes', { ...user(), form: [['text', 'form & note']] });
    expect(fromForm.statusCode).toBe(201);
    const fromJson = await signed('POST', '/api/v1/notes', {
      ...user(),
      json: JSON.stringify({ text: 'json note' }),
    });
    expect(fromJson.statusCode).toBe(201);
    const listed = await signed('GET', '/api/v1/notes', user());
    expect(listed.json<{ notes: { text: string }[] }>().notes.map((n) => n.text)).toEqual([
      'json note',
      'form & note',
    ]);
    const id = fromForm.json<{ id: number }>().id;
    expect((await signed('DELETE', `/api/v1/notes/${id}`, user())).statusCode).toBe(204);
    expect((await signed('DELETE', `/api/v1/notes/${id}`, user())).statusCode).toBe(404);
    const empty = await signed('POST', '/api/v1/notes', { ...user(), json: '{"text": 5}' });
    expect(empty.statusCode).toBe(400);
  });

  it('refuses a two-legged request for a user’s notes with consumer_key_invalid', async () => {
    const response = await signed('GET', '/api/v1/notes');
    expect(response.statusCode).toBe(403);
    expect(response.headers['www-authenticate']).toContain('oauth_problem="consumer_key_invalid"');
    const me = await signed('GET', '/api/v1/me');
    expect(me.json()).toMatchObject({ user: null, two_legged: true });
    // The API sets nosniff itself, on answers and on refusals; helmet's page headers stay on pages.
    expect(me.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(me.headers['content-security-policy']).toBeUndefined();
  });

  it('refuses a form post without a CSRF token', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/login',
      payload: 'name=bob&password=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(response.statusCode).toBe(403);
  });

  it('sends the consent page to sign-in first', async () => {
    const response = await app.inject({ method: 'GET', url: '/oauth/authorize?oauth_token=abc' });
    expect(response.statusCode).toBe(302);
    expect(response.headers.location).toBe('/login?next=%2Foauth%2Fauthorize%3Foauth_token%3Dabc');
  });

  it('answers /healthz and counts problems in /metrics', async () => {
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    await signed('GET', '/api/v1/me', { token: 'x'.repeat(32), tokenSecret: 'y' });
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(
      /countersign_oauth_problems_total\{problem="token_rejected",endpoint="resource"\} \d+/,
    );
    expect(metrics.body).toMatch(
      /countersign_http_requests_total\{route="\/api\/v1\/me",method="GET",status="401"\} \d+/,
    );
  });

  it('never logs a secret, even a PLAINTEXT signature sent in the query', async () => {
    const query = new URLSearchParams({
      oauth_consumer_key: consumer.key,
      oauth_signature_method: 'PLAINTEXT',
      oauth_signature: `${consumer.secret}&${access.secret}`,
      oauth_token: access.token,
    }).toString();
    await app.inject({ method: 'GET', url: `/api/v1/me?${query}`, headers: { host: 'localhost' } });
    await app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: {
        authorization: `OAuth oauth_signature="${consumer.secret}"`,
        cookie: 'cs_session=secret-cookie',
      },
    });
    expect(logs).toContain('/api/v1/me');
    expect(logs).not.toContain(consumer.secret);
    expect(logs).not.toContain(access.secret);
    expect(logs).not.toContain('secret-cookie');
  });

  it('rate-limits sign-in attempts', async () => {
    const page = await app.inject({ method: 'GET', url: '/login' });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    const cookie = page.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const attempt = () =>
      app.inject({
        method: 'POST',
        url: '/login',
        remoteAddress: '10.1.1.1',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
        payload: new URLSearchParams({ _csrf: csrf, name: 'bob', password: 'wrong password' }).toString(),
      });
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await attempt()).statusCode);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual([429, 429]);
  });

  it('marks the session cookie Secure when the request came over HTTPS through a trusted proxy', async () => {
    const proxied = await buildServer({ store, data, trustProxy: true });
    await putAccount({ store: store, data }, 'dora', 'long enough pw');
    const login = async (proto: string) => {
      const page = await proxied.inject({
        method: 'GET',
        url: '/login',
        headers: { 'x-forwarded-proto': proto },
      });
      const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
      const cookie = page.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
      const response = await proxied.inject({
        method: 'POST',
        url: '/login',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, 'x-forwarded-proto': proto },
        payload: new URLSearchParams({ _csrf: csrf, name: 'dora', password: 'long enough pw' }).toString(),
      });
      expect(response.statusCode).toBe(303);
      return response.cookies.find((c) => c.name === 'cs_session');
    };
    expect(await login('https')).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: true });
    expect((await login('http'))?.secure).toBeUndefined();
    await proxied.close();
  });
});
