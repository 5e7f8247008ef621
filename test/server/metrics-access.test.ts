/**
 * Who may read `/metrics`: with a token, only a request bearing it; with a listener of its own,
 * only there (the main listener answers 404); with neither, `countersign serve` serves it on a
 * loopback address only.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../packages/server/src/server/app.js';
import { MemoryStore } from '../../packages/countersign/src/stores/memory-store.js';
import { type ServerProcess, startServer } from '../support/processes.js';

const TOKEN = 'metrics-token-for-tests';

describe('/metrics with a token (buildServer)', () => {
  it('answers 401 without the token or with another, and the counters with it', async () => {
    const app = await buildServer({ store: new MemoryStore(), metricsAccess: { token: TOKEN } });
    const get = (authorization?: string) =>
      app.inject({ method: 'GET', url: '/metrics', headers: authorization ? { authorization } : {} });
    expect((await get()).statusCode).toBe(401);
    expect((await get(`Bearer ${TOKEN}x`)).statusCode).toBe(401);
    expect((await get(`Basic ${TOKEN}`)).statusCode).toBe(401);
    const answer = await get(`Bearer ${TOKEN}`);
    expect(answer.statusCode).toBe(200);
    expect(answer.body).toContain('countersign_http_requests_total');
    await app.close();
  });

  it('is not served on the main listener when it has one of its own', async () => {
    const app = await buildServer({ store: new MemoryStore(), metricsAccess: { onMainListener: false } });
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
    await app.close();
  });
});

/** A port free a moment ago. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('/metrics from countersign serve', () => {
  let dir: string;
  const servers: ServerProcess[] = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'countersign-metrics-'));
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    rmSync(dir, { recursive: true, force: true });
  });
  const serve = async (args: string[]) => {
    const server = await startServer(['--db', join(dir, `${servers.length}.db`), ...args]);
    servers.push(server);
    // On 0.0.0.0 the server prints localhost; connect to the loopback address either way.
    return server.url.replace('localhost', '127.0.0.1');
  };
  const status = async (url: string, token?: string) =>
    (await fetch(`${url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} })).status;

  it('is open on a loopback listener by default (a laptop)', async () => {
    expect(await status(await serve([]))).toBe(200);
  });

  it('is not open without a token to what a proxy forwards: a request with forwarded headers, or behind --trust-proxy', async () => {
    const url = await serve([]);
    for (const header of ['x-forwarded-for', 'forwarded', 'x-real-ip']) {
      const answer = await fetch(`${url}/metrics`, { headers: { [header]: '203.0.113.9' } });
      expect(answer.status, header).toBe(404);
      expect(await answer.text(), header).not.toContain('countersign_');
    }
    expect(await status(await serve(['--trust-proxy']))).toBe(404);
    const file = join(dir, 'proxy-token');
    writeFileSync(file, `${TOKEN}\n`);
    const withToken = await serve(['--trust-proxy', '--metrics-token-file', file]);
    const answer = await fetch(`${withToken}/metrics`, {
      headers: { authorization: `Bearer ${TOKEN}`, 'x-forwarded-for': '203.0.113.9' },
    });
    expect(answer.status).toBe(200);
  });

  it('is not served (404) on another address unless a token or a port is configured', async () => {
    const url = await serve(['--host', '0.0.0.0']);
    expect(await status(url)).toBe(404);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it('asks for the token in --metrics-token-file', async () => {
    const file = join(dir, 'token');
    writeFileSync(file, `${TOKEN}\n`);
    const url = await serve(['--host', '0.0.0.0', '--metrics-token-file', file]);
    expect(await status(url)).toBe(401);
    expect(await status(url, 'wrong')).toBe(401);
    expect(await status(url, TOKEN)).toBe(200);
  });

  it(`asks for the token in $COUNTERSIGN_METRICS_TOKEN`, async () => {
    process.env.COUNTERSIGN_METRICS_TOKEN = TOKEN;
    let url: string;
    try {
      url = await serve([]);
    } finally {
      delete process.env.COUNTERSIGN_METRICS_TOKEN;
    }
    expect(await status(url)).toBe(401);
    expect(await status(url, TOKEN)).toBe(200);
  });

  it('with --metrics-port, serves it there only, and 404 on the main listener', async () => {
    const port = await freePort();
    const url = await serve(['--metrics-port', String(port), '--metrics-host', '127.0.0.1']);
    expect(await status(url)).toBe(404);
    const metrics = `http://127.0.0.1:${port}`;
    expect(await status(metrics)).toBe(200);
    expect((await fetch(`${metrics}/healthz`)).status).toBe(404);
  });
});
