/**
 * The gateway's direct lane (requests answered before Fastify routes them) records what Fastify
 * records of every request: one log line with the request id from the shared counter, the client
 * address as Fastify reads it, the status, the consumer and the problem; and the metrics under the
 * route pattern. A request with a body still goes through Fastify.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../packages/countersign/src/client/sign-request.js';
import { createMetrics } from '../../packages/server/src/server/metrics.js';
import { type Gateway, rawRequest, startGateway } from './harness.js';

describe('the direct lane', () => {
  let upstream: Server;
  let gw: Gateway;
  const lines: Record<string, unknown>[] = [];
  const metrics = createMetrics();
  const logged = (url: string) => lines.filter((line) => line.msg === 'request' && line.url === url);
  const count = async (route: string, status: number) => {
    const { values } = await metrics.requests.get();
    const value = values.find((v) => v.labels.route === route && v.labels.status === status);
    return value?.value ?? 0;
  };
  const signed = (url: string) =>
    signRequest({
      method: 'GET',
      url,
      consumerKey: gw.consumer.key,
      consumerSecret: gw.consumer.secret,
      token: gw.access.token,
      tokenSecret: gw.access.secret,
    }).authorization;

  beforeAll(async () => {
    upstream = createServer((request, response) => {
      if (request.method === 'POST') request.resume();
      response.setHeader('content-type', 'text/plain');
      response.end(`upstream saw ${request.method} ${request.url}`);
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const { port } = upstream.address() as AddressInfo;
    gw = await startGateway(`http://127.0.0.1:${port}`, {
      trustProxy: '127.0.0.1',
      metricsAccess: { metrics },
      log: { stream: { write: (line) => void lines.push(JSON.parse(line) as Record<string, unknown>) } },
    });
  });
  afterAll(async () => {
    await gw?.app.close();
    await new Promise((resolve) => upstream?.close(resolve));
  });

  it('logs and counts a forwarded request, naming its consumer and the address a trusted proxy names', async () => {
    const path = '/v1/echo?mark=lane1';
    const response = await rawRequest(gw.base + path, {
      headers: { authorization: signed(gw.base + path), 'x-forwarded-for': '203.0.113.9' },
    });
    expect(response.status).toBe(200);
    expect(response.body).toBe(`upstream saw GET ${path}`);
    const [line, ...more] = logged(path);
    expect(more).toEqual([]);
    expect(line).toMatchObject({ method: 'GET', status: 200, ip: '203.0.113.9', consumer: gw.consumer.key });
    expect(line?.reqId).toMatch(/^req-[0-9a-z]+$/);
    expect(typeof line?.ms).toBe('number');
    expect(await count('/*', 200)).toBeGreaterThanOrEqual(1);
  });

  it('logs a refused request with its problem, and counts it', async () => {
    const path = '/v1/echo?mark=lane2';
    const before = await count('/*', 401);
    const response = await rawRequest(gw.base + path, {
      headers: { authorization: signed(`${gw.base}/v1/echo?mark=other`) },
    });
    expect(response.status).toBe(401);
    expect(response.body).not.toContain('upstream saw');
    expect(logged(path)).toEqual([
      expect.objectContaining({ status: 401, problem: 'signature_invalid', consumer: gw.consumer.key }),
    ]);
    expect(await count('/*', 401)).toBe(before + 1);
  });

  it('logs and counts forward-auth, with ids from the counter Fastify’s requests take theirs from', async () => {
    const asked = '/v1/echo?mark=lane3';
    const response = await rawRequest(`${gw.base}/oauth/forward-auth`, {
      headers: {
        authorization: signed(gw.base + asked),
        'x-original-method': 'GET',
        'x-original-uri': asked,
      },
    });
    expect(response.status).toBe(200);
    expect(response.headers['x-oauth-consumer-key']).toBe(gw.consumer.key);
    expect(response.headers['content-length']).toBe('0');
    expect((await rawRequest(`${gw.base}/healthz`)).status).toBe(200);
    const lane = logged('/oauth/forward-auth').at(-1);
    const fastify = logged('/healthz').at(-1);
    expect(lane).toMatchObject({ status: 200, consumer: gw.consumer.key, ip: '127.0.0.1' });
    const id = (line: Record<string, unknown> | undefined) => parseInt(String(line?.reqId).slice(4), 36);
    expect(id(fastify)).toBe(id(lane) + 1);
    expect(await count('/oauth/forward-auth', 200)).toBeGreaterThanOrEqual(1);
  });

  it('leaves a request with a body to Fastify, which forwards it the same way', async () => {
    const path = '/v1/echo?mark=lane4';
    const authorization = signRequest({
      method: 'POST',
      url: gw.base + path,
      consumerKey: gw.consumer.key,
      consumerSecret: gw.consumer.secret,
      token: gw.access.token,
      tokenSecret: gw.access.secret,
      form: [['a', '1']],
    }).authorization;
    const response = await rawRequest(gw.base + path, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a=1',
    });
    expect(response.status).toBe(200);
    expect(response.body).toBe(`upstream saw POST ${path}`);
    expect(logged(path)).toEqual([expect.objectContaining({ method: 'POST', status: 200 })]);
  });
});
