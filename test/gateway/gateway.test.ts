/**
 * The verifying reverse proxy, against a real upstream in Python: what reaches the upstream (the
 * exact method, target and body; the client's headers less hop-by-hop ones, Authorization and any
 * identity header the client sent; the identity of the verified request), what never does
 * (refused requests, paths no route serves, ambiguous paths, bodies over the limit), and what comes
 * back (the upstream's status, reason and headers, a large body whole and streamed; 502 and 504).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { type IncomingMessage, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../packages/countersign/src/client/sign-request.js';
import { parseRouteFile } from '../../packages/server/src/server/gateway/routes.js';
import {
  freePort,
  ROUTES,
  type Gateway,
  hasPython,
  headerValues,
  rawRequest,
  type RunningUpstream,
  startGateway,
  startUpstream,
  type UpstreamRecord,
} from './harness.js';

const IDENTITY = ['x-oauth-consumer-key', 'x-oauth-user', 'x-oauth-scopes', 'x-oauth-two-legged'];

describe.skipIf(!hasPython)('the gateway in front of a Python upstream', () => {
  let dir: string;
  let upstream: RunningUpstream;
  let gw: Gateway;
  /** The upstream's log entries for targets containing `marker`. */
  const reached = (marker: string) => upstream.records().filter((r) => r.target.includes(marker));
  /** The one request the upstream logged for `marker`. */
  const received = (marker: string): UpstreamRecord => {
    const records = reached(marker);
    expect(records).toHaveLength(1);
    return records[0] as UpstreamRecord;
  };
  const signed = (method: string, path: string, extra: Partial<Parameters<typeof signRequest>[0]> = {}) =>
    signRequest({
      method,
      url: gw.base + path,
      consumerKey: gw.consumer.key,
      consumerSecret: gw.consumer.secret,
      token: gw.access.token,
      tokenSecret: gw.access.secret,
      ...extra,
    }).authorization;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'countersign-gateway-'));
    upstream = await startUpstream(dir);
    gw = await startGateway(upstream.url);
  });
  afterAll(async () => {
    await gw?.app.close();
    await upstream?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('forwards a verified GET with its exact target and the identity of the grant', async () => {
    const path = '/v1/echo?mark=get1&q=hello%20world&plus=a%2Bb&tilde=~u&pct=100%25&tag=a&tag=b&empty=';
    const response = await gw.client.fetch(gw.base + path, { token: gw.access });
    expect(response.status).toBe(200);
    const record = received('mark=get1');
    expect(record).toMatchObject({ method: 'GET', target: path, body_length: 0 });
    expect(headerValues(record, 'x-oauth-consumer-key')).toEqual([gw.consumer.key]);
    expect(headerValues(record, 'x-oauth-user')).toEqual(['bob']);
    expect(headerValues(record, 'x-oauth-scopes')).toEqual(['read_public,read_private,write_private']);
    expect(headerValues(record, 'x-oauth-two-legged')).toEqual(['false']);
    expect(headerValues(record, 'authorization')).toEqual([]);
    expect(headerValues(record, 'host')).toEqual([new URL(gw.base).host]);
    expect(headerValues(record, 'x-forwarded-for')).toEqual(['127.0.0.1']);
    expect(headerValues(record, 'x-forwarded-proto')).toEqual(['http']);
    expect(headerValues(record, 'x-forwarded-host')).toEqual([new URL(gw.base).host]);
    // The upstream's own answer comes back as it is.
    expect(JSON.parse(await response.text())).toMatchObject({ target: path });
  });

  it('says two-legged requests are, and names no user for them', async () => {
    const path = '/v1/things/42?mark=two-legged';
    const response = await rawRequest(gw.base + path, {
      headers: {
        authorization: signRequest({
          method: 'GET',
          url: gw.base + path,
          consumerKey: gw.consumer.key,
          consumerSecret: gw.consumer.secret,
        }).authorization,
        'X-OAuth-User': 'mallory',
      },
    });
    expect(response.status).toBe(200);
    const record = received('mark=two-legged');
    expect(headerValues(record, 'x-oauth-user')).toEqual([]);
    expect(headerValues(record, 'x-oauth-two-legged')).toEqual(['true']);
    expect(headerValues(record, 'x-oauth-scopes')).toEqual(['read_public,read_private,write_private']);
  });

  it('never passes on identity headers the client sent, in any case or with underscores', async () => {
    const path = '/v1/echo?mark=spoofed';
    const response = await rawRequest(gw.base + path, {
      headers: {
        authorization: signed('GET', path),
        'X-OAuth-User': 'mallory',
        'x-oauth-user': 'mallory2',
        X_OAuth_User: 'mallory3',
        'X-OAUTH-SCOPES': 'admin',
        'x-oauth-consumer-key': 'someone-else',
        'X-OAuth-Two-Legged': 'true',
        x_oauth_two_legged: 'true',
        X_Forwarded_For: '6.6.6.6',
        'X-Forwarded-For': '6.6.6.6',
        'X-Forwarded-Host': 'evil.example',
        'X-Forwarded-Proto': 'https',
        'X-Real-IP': '6.6.6.6',
        Forwarded: 'for=6.6.6.6',
      },
    });
    expect(response.status).toBe(200);
    const record = received('mark=spoofed');
    const names = record.headers.map(([name]) => name.toLowerCase().replaceAll('_', '-'));
    for (const name of IDENTITY) expect(names.filter((n) => n === name)).toHaveLength(1);
    expect(headerValues(record, 'x-oauth-user')).toEqual(['bob']);
    expect(headerValues(record, 'x-oauth-scopes')).toEqual(['read_public,read_private,write_private']);
    expect(headerValues(record, 'x-oauth-consumer-key')).toEqual([gw.consumer.key]);
    expect(headerValues(record, 'x-oauth-two-legged')).toEqual(['false']);
    // Not from a trusted proxy: what the client said of where it came from is replaced.
    expect(headerValues(record, 'x-forwarded-for')).toEqual(['127.0.0.1']);
    expect(headerValues(record, 'x-forwarded-host')).toEqual([new URL(gw.base).host]);
    expect(headerValues(record, 'x-forwarded-proto')).toEqual(['http']);
    expect(names).not.toContain('x-real-ip');
    expect(names).not.toContain('forwarded');
  });

  it('strips them on a public route too, and forwards it unverified without an identity', async () => {
    const response = await rawRequest(`${gw.base}/v1/status?mark=public`, {
      method: 'POST',
      headers: { 'X-OAuth-User': 'mallory', x_oauth_scopes: 'admin', authorization: 'Basic dXNlcjpwYXNz' },
      body: 'anything',
    });
    expect(response.status).toBe(200);
    const record = received('mark=public');
    expect(record.method).toBe('POST');
    const names = record.headers.map(([name]) => name.toLowerCase().replaceAll('_', '-'));
    for (const name of [...IDENTITY, 'authorization']) expect(names).not.toContain(name);
  });

  it('drops hop-by-hop headers, those Connection names, and the server’s own cookies', async () => {
    const path = '/v1/echo?mark=hop';
    const response = await rawRequest(gw.base + path, {
      headers: {
        authorization: signed('GET', path),
        Connection: 'keep-alive, X-Hop-Only',
        'X-Hop-Only': 'dropped',
        'Keep-Alive': 'timeout=5',
        TE: 'trailers',
        'Proxy-Authorization': 'Basic eDp5',
        Upgrade: 'h2c',
        'X-End-To-End': 'kept',
        Cookie: 'cs_session=the-session; app=1; _csrf=the-secret',
      },
    });
    expect(response.status).toBe(200);
    const record = received('mark=hop');
    const names = record.headers.map(([name]) => name.toLowerCase());
    for (const name of [
      'x-hop-only',
      'keep-alive',
      'te',
      'proxy-authorization',
      'upgrade',
      'transfer-encoding',
    ])
      expect(names).not.toContain(name);
    expect(headerValues(record, 'x-end-to-end')).toEqual(['kept']);
    expect(headerValues(record, 'cookie')).toEqual(['app=1']);
  });

  it('verifies a form body as signed parameters and forwards its bytes unchanged', async () => {
    const form: [string, string][] = [
      ['text', 'node: 100% ~ + & = é'],
      ['mark', 'form'],
    ];
    const response = await gw.client.fetch(`${gw.base}/v1/echo?mark=form`, { token: gw.access, form });
    expect(response.status).toBe(200);
    const record = received('mark=form');
    const sent = form.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
    expect(record.method).toBe('POST');
    expect(record.body_sha256).toBe(createHash('sha256').update(sent).digest('hex'));
    expect(headerValues(record, 'content-length')).toEqual([String(Buffer.byteLength(sent))]);
    expect(headerValues(record, 'content-type')[0]).toMatch(/^application\/x-www-form-urlencoded/);
  });

  it('refuses a form body changed after signing, and does not forward it', async () => {
    const path = '/v1/echo?mark=tampered';
    const response = await rawRequest(gw.base + path, {
      method: 'POST',
      headers: {
        authorization: signed('POST', path, { form: [['amount', '1']] }),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'amount=1000',
    });
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/oauth_problem="signature_invalid"/);
    expect(reached('mark=tampered')).toEqual([]);
  });

  it('forwards a JSON body covered by oauth_body_hash, and a chunked one, byte for byte', async () => {
    const json = JSON.stringify({ note: 'é ü', n: [1, 2, 3] });
    const response = await gw.client.fetch(`${gw.base}/v1/echo?mark=json`, {
      token: gw.access,
      body: { type: 'application/json', data: json },
    });
    expect(response.status).toBe(200);
    expect(received('mark=json').body_sha256).toBe(createHash('sha256').update(json).digest('hex'));

    const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251));
    const path = '/v1/echo?mark=chunked';
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(gw.base + path, {
        method: 'POST',
        headers: {
          authorization: signed('POST', path, { body: bytes }),
          'content-type': 'application/octet-stream',
          'transfer-encoding': 'chunked',
        },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write(bytes.subarray(0, 30_000));
      setTimeout(() => req.end(bytes.subarray(30_000)), 50);
    });
    expect(status).toBe(200);
    const record = received('mark=chunked');
    expect(record.body_sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(headerValues(record, 'content-length')).toEqual([String(bytes.length)]);
    expect(headerValues(record, 'transfer-encoding')).toEqual([]);
  });

  it('forwards a body Fastify leaves unread (a GET’s, a DELETE’s without a type) after verifying it', async () => {
    const path = '/v1/things/7?mark=delete-body';
    const body = 'raw bytes';
    const response = await rawRequest(gw.base + path, {
      method: 'DELETE',
      headers: { authorization: signed('DELETE', path, { body }), 'content-length': String(body.length) },
      body,
    });
    expect(response.status).toBe(200);
    const record = received('mark=delete-body');
    expect(record).toMatchObject({ method: 'DELETE', body_length: body.length });
  });

  it('serves HEAD on a GET route', async () => {
    const path = '/v1/echo?mark=head';
    const response = await rawRequest(gw.base + path, {
      method: 'HEAD',
      headers: { authorization: signed('HEAD', path) },
    });
    expect(response.status).toBe(200);
    expect(received('mark=head').method).toBe('HEAD');
  });

  it('answers 404 for a path no route serves, or a method the route does not take, without forwarding', async () => {
    for (const [method, path] of [
      ['GET', '/v1/nothing-here?mark=noroute1'],
      ['DELETE', '/v1/echo?mark=noroute2'],
      ['GET', '/api/v1/me?mark=noroute3'],
    ] as const) {
      const response = await rawRequest(gw.base + path, {
        method,
        headers: { authorization: signed(method, path) },
      });
      expect(response.status).toBe(404);
    }
    expect(upstream.records().filter((r) => r.target.includes('mark=noroute'))).toEqual([]);
  });

  it.each([
    '/v1/files/../admin',
    '/v1/files/%2e%2e/admin',
    '/v1/files/.%2E/admin',
    '/v1/files//admin',
    '/v1/files/a%2Fb',
    '/v1/files/a%5Cb',
    '/v1/files/a;x=1',
    '/v1/files/a%00b',
    '/v1/files/%ff',
  ])('refuses the ambiguous path %s with 400, without forwarding', async (path) => {
    const mark = `mark=ambiguous-${encodeURIComponent(path)}`;
    const response = await rawRequest(`${gw.base}${path}?${mark}`);
    expect(response.status).toBe(400);
    expect(reached(mark)).toEqual([]);
  });

  it('matches percent-encoded paths as the upstream decodes them', async () => {
    const path = '/v1/%65cho?mark=encoded';
    const unsigned = await rawRequest(gw.base + path);
    expect(unsigned.status).toBe(400);
    expect(unsigned.headers['www-authenticate']).toMatch(/oauth_problem="parameter_absent"/);
    const response = await rawRequest(gw.base + path, { headers: { authorization: signed('GET', path) } });
    expect(response.status).toBe(200);
    expect(received('mark=encoded').target).toBe(path);
  });

  it('refuses a body over the server’s limit with 413, without forwarding', async () => {
    const response = await rawRequest(`${gw.base}/v1/status?mark=big`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: Buffer.alloc(1024 * 1024 + 1),
    });
    expect(response.status).toBe(413);
    expect(reached('mark=big')).toEqual([]);
  });

  it('refuses a body Fastify leaves unread (a GET’s) over the limit with 413, without forwarding', async () => {
    const size = 1024 * 1024 + 1;
    const response = await rawRequest(`${gw.base}/v1/status?mark=big-unread`, {
      method: 'GET',
      // node:http frames a GET's body only when told its length.
      headers: { 'content-length': String(size) },
      body: Buffer.alloc(size),
    });
    expect(response.status).toBe(413);
    expect(reached('mark=big-unread')).toEqual([]);
  });

  it('passes the upstream’s status, reason and headers back, less its hop-by-hop ones', async () => {
    const path = '/v1/teapot?mark=teapot';
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      httpRequest(gw.base + path, { headers: { authorization: signed('GET', path) } }, resolve)
        .on('error', reject)
        .end();
    });
    expect(response.statusCode).toBe(418);
    expect(response.statusMessage).toBe("I'm a teapot");
    expect(response.headers['x-upstream-header']).toBe('kept');
    expect(response.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2; Path=/']);
    expect(response.headers['x-hop-only']).toBeUndefined();
    expect(response.headers['keep-alive']).not.toBe('timeout=99');
    response.resume();
  });

  it('streams a large answer back whole', async () => {
    const size = 24 * 1024 * 1024 + 123;
    const path = `/v1/large?bytes=${size}&mark=large`;
    const response = await gw.client.fetch(gw.base + path, { token: gw.access });
    expect(response.status).toBe(200);
    const body = Buffer.from(await response.arrayBuffer());
    expect(body.length).toBe(size);
    expect(createHash('sha256').update(body).digest('hex')).toBe(response.headers.get('x-body-sha256'));
  });

  it('holds the upstream back while a client reads slowly, and still delivers the answer whole', async () => {
    const size = 8 * 1024 * 1024 + 7;
    const path = `/v1/large?bytes=${size}&mark=slow-reader`;
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      httpRequest(gw.base + path, { headers: { authorization: signed('GET', path) } }, resolve)
        .on('error', reject)
        .end();
    });
    expect(response.statusCode).toBe(200);
    // Not reading for a while fills the socket buffers: the gateway's writes report back-pressure,
    // and only the client's draining lets the upstream's answer go on.
    response.pause();
    await new Promise((resolve) => setTimeout(resolve, 700));
    const hash = createHash('sha256');
    let length = 0;
    for await (const chunk of response as AsyncIterable<Buffer>) {
      hash.update(chunk);
      length += chunk.length;
    }
    expect(length).toBe(size);
    expect(hash.digest('hex')).toBe(response.headers['x-body-sha256']);
  });

  it('streams: the first bytes arrive while the upstream is still answering', async () => {
    const id = `held-${Date.now()}`;
    const response = await gw.client.fetch(`${gw.base}/v1/held?id=${id}`, { token: gw.access });
    expect(response.status).toBe(200);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    // The upstream has not sent the rest, and will not until it is released.
    expect(Buffer.from(first.value ?? []).toString()).toBe('first\n');
    expect((await rawRequest(`${gw.base}/v1/release?id=${id}`)).status).toBe(200);
    let rest = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
      rest += Buffer.from(chunk.value).toString();
    expect(rest).toBe('rest\n');
  });

  it('cuts the connection when the upstream stalls mid-answer: a truncated body never passes for whole', async () => {
    const response = await gw.client.fetch(`${gw.base}/v1/held?id=never-${Date.now()}`, { token: gw.access });
    expect(response.status).toBe(200);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    expect(Buffer.from((await reader.read()).value ?? []).toString()).toBe('first\n');
    // Nothing more within the upstream timeout (2 s here): the client sees an error, not an end.
    await expect(reader.read()).rejects.toThrow();
  });

  it('answers 504 when the upstream does not answer in time, naming nothing of it', async () => {
    const started = Date.now();
    const response = await gw.client.fetch(`${gw.base}/v1/slow?seconds=6`, { token: gw.access });
    expect(response.status).toBe(504);
    expect(Date.now() - started).toBeLessThan(5_000);
    const text = await response.text();
    expect(text).not.toContain('127.0.0.1');
    expect(text).not.toContain(new URL(upstream.url).port);
  });

  it('waits for an upstream allowed longer than the server’s idle timeout, instead of closing', async () => {
    const patient = await startGateway(upstream.url, {
      connections: { idleTimeout: 1 },
      gateway: { routes: parseRouteFile(ROUTES), upstream: upstream.url, upstreamTimeout: 4 },
    });
    try {
      const response = await patient.client.fetch(`${patient.base}/v1/slow?seconds=2`, {
        token: patient.access,
      });
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('slow\n');
    } finally {
      await patient.app.close();
    }
  });

  it('answers 502 when the upstream is down, naming nothing of it', async () => {
    const port = await freePort();
    const down = await startGateway(`http://127.0.0.1:${port}`);
    try {
      const response = await down.client.fetch(`${down.base}/v1/echo`, { token: down.access });
      expect(response.status).toBe(502);
      const text = await response.text();
      expect(text).not.toContain('127.0.0.1');
      expect(text).not.toContain(String(port));
      // The server's own paths are still served.
      expect((await fetch(`${down.base}/healthz`)).status).toBe(200);
    } finally {
      await down.app.close();
    }
  });

  it('keeps the client’s forwarded headers, appending to X-Forwarded-For, only from a trusted proxy', async () => {
    const trusted = await startGateway(upstream.url, { trustProxy: '127.0.0.1' });
    try {
      const path = '/v1/status?mark=trusted';
      const response = await rawRequest(trusted.base + path, {
        headers: {
          'X-Forwarded-For': '203.0.113.7',
          'X-Forwarded-Proto': 'https',
          'X-Forwarded-Host': 'api.example.com',
          'X-Real-IP': '203.0.113.7',
        },
      });
      expect(response.status).toBe(200);
      const record = received('mark=trusted');
      expect(headerValues(record, 'x-forwarded-for')).toEqual(['203.0.113.7, 127.0.0.1']);
      expect(headerValues(record, 'x-forwarded-proto')).toEqual(['https']);
      expect(headerValues(record, 'x-forwarded-host')).toEqual(['api.example.com']);
      expect(headerValues(record, 'x-real-ip')).toEqual(['203.0.113.7']);
    } finally {
      await trusted.app.close();
    }
  });

  it('keeps its own endpoints and pages, and turns the sample API off', async () => {
    expect((await fetch(`${gw.base}/healthz`)).status).toBe(200);
    expect((await fetch(`${gw.base}/login`)).status).toBe(200);
    const me = await gw.client.fetch(`${gw.base}/api/v1/me`, { token: gw.access });
    expect(me.status).toBe(404);
  });
});
