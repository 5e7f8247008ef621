/**
 * Each request's log line: its latency, and for a signed request the consumer key — for a refused
 * one the problem too — but only of a consumer that exists: a key that names none (a secret pasted
 * into the key's field, say) is never written, nor is any secret or signature.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OAuthClient } from '../../packages/countersign/src/client/oauth-client.js';
import { createProvider } from '../../packages/countersign/src/provider/provider.js';
import { buildServer } from '../../packages/server/src/server/app.js';
import { MemoryStore } from '../../packages/countersign/src/stores/memory-store.js';
import { collectLog } from '../support/log-lines.js';

describe('the log line of each request', () => {
  const log = collectLog();
  const { lines, lineFor } = log;
  let app: FastifyInstance;
  let base: string;
  let consumer: { key: string; secret: string };
  let client: OAuthClient;
  let access: { token: string; secret: string };

  beforeAll(async () => {
    const store = new MemoryStore();
    app = await buildServer({ store, log: { stream: log.stream } });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    await store.putUser({ name: 'bob', status: 'active', createdAt: 0 });
    const provider = createProvider({ store });
    const registered = await provider.registerConsumer({
      name: 'Logged',
      owner: 'bob',
      callback: 'oob',
      scopes: ['read_public'],
    });
    consumer = { key: registered.key, secret: registered.secret };
    client = new OAuthClient({ consumerKey: consumer.key, consumerSecret: consumer.secret });
    const request = await client.initiate(`${base}/oauth/initiate`, 'oob');
    const { verifier = '' } = await provider.decide(request.token, { user: 'bob', approve: true });
    access = await client.exchange(`${base}/oauth/token`, request, verifier);
  });
  afterAll(() => app.close());

  it('names the consumer of accepted requests at initiate, token and a resource, with the latency', async () => {
    for (const path of ['/oauth/initiate', '/oauth/token']) {
      expect(await lineFor(path)).toMatchObject({ status: 200, consumer: consumer.key });
      expect((await lineFor(path)).problem).toBeUndefined();
    }
    expect((await client.fetch(`${base}/api/v1/me?probe=ok`, { token: access })).status).toBe(200);
    const line = await lineFor('/api/v1/me?probe=ok');
    expect(line).toMatchObject({ method: 'GET', status: 200, consumer: consumer.key });
    expect(typeof line.ms).toBe('number');
  });

  it('names the consumer and the problem of a refused request', async () => {
    const wrong = new OAuthClient({ consumerKey: consumer.key, consumerSecret: 'not-the-secret' });
    expect((await wrong.fetch(`${base}/api/v1/me?probe=bad-signature`, { token: access })).status).toBe(401);
    expect(await lineFor('/api/v1/me?probe=bad-signature')).toMatchObject({
      status: 401,
      consumer: consumer.key,
      problem: 'signature_invalid',
    });
    const initiate = await wrong.send(`${base}/oauth/initiate?probe=initiate`, {
      method: 'POST',
      oauth: { oauth_callback: 'oob' },
    });
    expect(initiate.response.status).toBe(401);
    expect(await lineFor('/oauth/initiate?probe=initiate')).toMatchObject({
      consumer: consumer.key,
      problem: 'signature_invalid',
    });
  });

  it('names the problem but no consumer when the key names none, and never writes what was sent as a key', async () => {
    const swapped = new OAuthClient({ consumerKey: consumer.secret, consumerSecret: consumer.key });
    expect((await swapped.fetch(`${base}/api/v1/me?probe=swapped`, { token: access })).status).toBe(401);
    const line = await lineFor('/api/v1/me?probe=swapped');
    expect(line).toMatchObject({ status: 401, problem: 'consumer_key_unknown' });
    expect(line.consumer).toBeUndefined();
    expect((await fetch(`${base}/api/v1/me?probe=unsigned`)).status).toBe(400);
    expect(await lineFor('/api/v1/me?probe=unsigned')).toMatchObject({ problem: 'parameter_absent' });
  });

  it('names neither on a page', async () => {
    await fetch(`${base}/login?probe=page`);
    const line = await lineFor('/login?probe=page');
    expect(line.status).toBe(200);
    expect(line.consumer).toBeUndefined();
    expect(line.problem).toBeUndefined();
  });

  it('never writes a secret, a signature or an Authorization header', () => {
    const all = lines.join('\n');
    expect(all).not.toContain(consumer.secret);
    expect(all).not.toContain(access.secret);
    expect(all).not.toContain('oauth_signature');
    expect(all).not.toMatch(/authorization/i);
  });
});
