/**
 * Behind a TLS-terminating proxy the client signs `https://api.example.com/...` while the app sees
 * `http://127.0.0.1:PORT/...`. With `publicUrl` or `trustProxy` the signature verifies; without
 * them it is `signature_invalid`, and the base string echoed shows the URL the server used. What a
 * client sends in the header family the proxy does not set, or through a peer that is not a
 * trusted proxy, never changes the URL.
 */
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../packages/countersign/src/client/sign-request.js';
import { parseAuthorizationHeader } from '../../packages/countersign/src/core/parameters.js';
import type { Consumer } from '../../packages/countersign/src/provider/model.js';
import type { ProviderOptions } from '../../packages/countersign/src/provider/options.js';
import { createProvider } from '../../packages/countersign/src/provider/provider.js';
import { MemoryStore } from '../../packages/countersign/src/stores/memory-store.js';
import { ADAPTERS, type RunningApp } from './apps.js';

const PUBLIC = 'https://api.example.com';

type ProxyStyle = 'x-forwarded' | 'forwarded' | 'plain-http';

/**
 * A reverse proxy that, like a TLS terminator, forwards to `target` and says where the request came
 * in; `plain-http` is one that received the request over plain HTTP, and says so.
 */
function startProxy(target: string, style: ProxyStyle): Promise<RunningApp> {
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const forwarded =
      style === 'forwarded'
        ? { forwarded: 'for=192.0.2.1;proto=https;host=api.example.com' }
        : style === 'plain-http'
          ? // Appending to what came, as nginx's $proxy_add_x_forwarded_for does for the address.
            {
              'x-forwarded-proto': [req.headers['x-forwarded-proto'], 'http'].filter(Boolean).join(', '),
              'x-forwarded-host': 'api.example.com',
            }
          : {
              'x-forwarded-proto': 'https',
              'x-forwarded-host': 'api.example.com',
              'x-forwarded-port': '443',
            };
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
  style: ProxyStyle = 'x-forwarded',
) {
  const store = new MemoryStore();
  const provider = createProvider({ store, signatureMethods: ['HMAC-SHA1', 'PLAINTEXT'], ...options });
  const consumer = await provider.registerConsumer({
    name: 'C',
    owner: 'alice',
    callback: 'oob',
    twoLegged: true,
    signatureMethods: ['HMAC-SHA1', 'PLAINTEXT'],
  });
  const adapter = ADAPTERS[adapterIndex];
  if (!adapter) throw new Error('no adapter');
  const app = await adapter.start(provider);
  const proxy = await startProxy(app.url, style);
  return { consumer, app, proxy };
}

function call(
  proxy: RunningApp,
  consumer: Consumer,
  options: { method?: 'HMAC-SHA1' | 'PLAINTEXT'; headers?: Record<string, string> } = {},
) {
  const signed = signRequest({
    method: 'GET',
    url: `${PUBLIC}/api/echo?x=1`,
    consumerKey: consumer.key,
    consumerSecret: consumer.secret,
    signatureMethod: options.method ?? 'HMAC-SHA1',
  });
  return {
    signed,
    response: fetch(`${proxy.url}/api/echo?x=1`, {
      headers: { ...options.headers, authorization: signed.authorization },
    }),
  };
}

/** The `WWW-Authenticate` parameters of a refusal. */
function problemOf(answer: Response): Record<string, string> {
  const header = parseAuthorizationHeader(answer.headers.get('www-authenticate') ?? '');
  return Object.fromEntries((header?.parameters ?? []).map((p) => [p.name, p.value]));
}

describe.each(ADAPTERS.map((a, i) => ({ name: a.name, i })))(
  'behind a TLS-terminating proxy, through $name',
  ({ i }) => {
    const running: RunningApp[] = [];
    afterAll(async () => {
      for (const r of running) await r.close();
    });
    const start = async (options: Partial<ProviderOptions>, style?: ProxyStyle) => {
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

    it('verifies with trustProxy (Forwarded), when proxyHeaders says the proxy sets it', async () => {
      const { consumer, proxy } = await start({ trustProxy: true, proxyHeaders: 'forwarded' }, 'forwarded');
      expect((await call(proxy, consumer).response).status).toBe(200);
    });

    it('verifies with trustProxy naming the proxy address', async () => {
      const { consumer, proxy } = await start({ trustProxy: ['127.0.0.1'] });
      const { status } = await call(proxy, consumer).response;
      // The fetch adapter is not told the peer's address, so it never believes a list of proxies.
      expect(status).toBe(ADAPTERS[i]?.name === 'fetch' ? 401 : 200);
    });

    it('ignores the forwarded headers of a peer not in the trusted list', async () => {
      const { consumer, proxy } = await start({ trustProxy: ['10.0.0.0/8'] });
      const answer = await call(proxy, consumer).response;
      expect(answer.status).toBe(401);
      expect(problemOf(answer).oauth_problem).toBe('signature_invalid');
    });

    it("a client's Forwarded: proto=https does not override the proxy's X-Forwarded-Proto: http", async () => {
      const https = await start({ trustProxy: true });
      expect((await call(https.proxy, https.consumer, { method: 'PLAINTEXT' }).response).status).toBe(200);
      const { consumer, proxy } = await start({ trustProxy: true }, 'plain-http');
      const spoof = { forwarded: 'proto=https;host=api.example.com' };
      const plaintext = await call(proxy, consumer, { method: 'PLAINTEXT', headers: spoof }).response;
      expect(plaintext.status).toBe(400);
      expect(problemOf(plaintext).oauth_problem).toBe('signature_method_rejected');
      const { signed, response } = call(proxy, consumer, { headers: spoof });
      const answer = await response;
      expect(problemOf(answer).oauth_problem).toBe('signature_invalid');
      expect(problemOf(answer).oauth_signature_base_string).toBe(
        signed.baseString.replace(encodeURIComponent('https://'), encodeURIComponent('http://')),
      );
    });

    it("a client's own X-Forwarded-Proto before the proxy's does not change the scheme", async () => {
      const { consumer, proxy } = await start({ trustProxy: true }, 'plain-http');
      // A proxy that appends (as X-Forwarded-For is appended): the client's value comes first.
      const { response } = call(proxy, consumer, { headers: { 'x-forwarded-proto': 'https' } });
      const answer = await response;
      expect(problemOf(answer).oauth_problem).toBe('signature_invalid');
    });

    it('is signature_invalid without either, echoing the base string it computed', async () => {
      const { consumer, app, proxy } = await start({});
      const { signed, response } = call(proxy, consumer);
      const answer = await response;
      expect(answer.status).toBe(401);
      const params = problemOf(answer);
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
