/**
 * Behind a TLS-terminating proxy the client signs `https://api.example.com/...` while the app sees
 * `http://127.0.0.1:PORT/...`. With `publicUrl` or `trustProxy` the signature verifies; without
 * them it is `signature_invalid`, and the base string echoed shows the URL the server used.
 */
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../src/client/sign-request.js';
import { parseAuthorizationHeader } from '../../src/core/parameters.js';
import type { Consumer } from '../../src/provider/model.js';
import type { ProviderOptions } from '../../src/provider/options.js';
import { createProvider } from '../../src/provider/provider.js';
import { MemoryStore } from '../../src/stores/memory-store.js';
import { ADAPTERS, type RunningApp } from './apps.js';

const PUBLIC = 'https://api.example.com';

/** A reverse proxy that, like a TLS terminator, forwards to `target` and says where the request came in. */
function startProxy(target: string, style: 'x-forwarded' | 'forwarded'): Promise<RunningApp> {
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const forwarded =
      style === 'forwarded'
        ? { forwarded: 'for=192.0.2.1;proto=https;host=api.example.com' }
        : { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example.com', 'x-forwarded-port': '443' };
    const proxied = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host, ...forwarded },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(proxied);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () => new Promise((done) => server.close(() => done())),
      });
    }),
  );
}

async function setup(
  adapterIndex: number,
  options: Partial<ProviderOptions>,
  style: 'x-forwarded' | 'forwarded' = 'x-forwarded',
) {
  const store = new MemoryStore();
  const provider = createProvider({ store, ...options });
  const consumer = await provider.registerConsumer({
    name: 'C',
    owner: 'alice',
    callback: 'oob',
    twoLegged: true,
  });
  const adapter = ADAPTERS[adapterIndex];
  if (!adapter) throw new Error('no adapter');
  const app = await adapter.start(provider);
  const proxy = await startProxy(app.url, style);
  return { consumer, app, proxy };
}

function call(proxy: RunningApp, consumer: Consumer) {
  const signed = signRequest({
    method: 'GET',
    url: `${PUBLIC}/api/echo?x=1`,
    consumerKey: consumer.key,
    consumerSecret: consumer.secret,
  });
  return {
    signed,
    response: fetch(`${proxy.url}/api/echo?x=1`, { headers: { authorization: signed.authorization } }),
  };
}

describe.each(ADAPTERS.map((a, i) => ({ name: a.name, i })))(
  'behind a TLS-terminating proxy, through $name',
  ({ i }) => {
    const running: RunningApp[] = [];
    afterAll(async () => {
      for (const r of running) await r.close();
    });
    const start = async (options: Partial<ProviderOptions>, style?: 'x-forwarded' | 'forwarded') => {
      const s = await setup(i, options, style);
      running.push(s.app, s.proxy);
      return s;
    };

    it('verifies with publicUrl', async () => {
      const { consumer, proxy } = await start({ publicUrl: PUBLIC });
      expect((await call(proxy, consumer).response).status).toBe(200);
    });

    it('verifies with trustProxy (X-Forwarded-Proto/Host/Port)', async () => {
      const { consumer, proxy } = await start({ trustProxy: true });
      expect((await call(proxy, consumer).response).status).toBe(200);
    });

    it('verifies with trustProxy (Forwarded)', async () => {
      const { consumer, proxy } = await start({ trustProxy: true }, 'forwarded');
      expect((await call(proxy, consumer).response).status).toBe(200);
    });

    it('is signature_invalid without either, echoing the base string it computed', async () => {
      const { consumer, app, proxy } = await start({});
      const { signed, response } = call(proxy, consumer);
      const answer = await response;
      expect(answer.status).toBe(401);
      const header = parseAuthorizationHeader(answer.headers.get('www-authenticate') ?? '');
      const params = Object.fromEntries((header?.parameters ?? []).map((p) => [p.name, p.value]));
      expect(params.oauth_problem).toBe('signature_invalid');
      const expected = signed.baseString.replace(encodeURIComponent(PUBLIC), encodeURIComponent(app.url));
      expect(params.oauth_signature_base_string).toBe(expected);
      expect(await answer.text()).toContain('neither%20publicUrl%20nor%20trustProxy');
    });
  },
);

describe('without a proxy, forwarded headers are ignored unless trusted', () => {
  let app: RunningApp;
  let consumer: Consumer;
  beforeAll(async () => {
    const provider = createProvider({ store: new MemoryStore() });
    consumer = await provider.registerConsumer({
      name: 'C',
      owner: 'alice',
      callback: 'oob',
      twoLegged: true,
    });
    app = await (ADAPTERS[0] as (typeof ADAPTERS)[number]).start(provider);
  });
  afterAll(() => app.close());

  it('a client cannot make the server sign another URL by sending X-Forwarded-Host', async () => {
    const signed = signRequest({
      method: 'GET',
      url: `${PUBLIC}/api/echo`,
      consumerKey: consumer.key,
      consumerSecret: consumer.secret,
    });
    const response = await fetch(`${app.url}/api/echo`, {
      headers: {
        authorization: signed.authorization,
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'api.example.com',
      },
    });
    expect(response.status).toBe(401);
  });
});
