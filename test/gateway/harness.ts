/**
 * What the gateway suites start: the Python upstream (test/gateway/upstream.py), a real nginx of
 * Debian's with a configuration of the test's, and a gateway server with a user, a consumer and
 * his access token. Python and nginx missing skip the suites with a notice on a laptop, and fail
 * them under `CI=true`.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect, createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { OAuthClient } from '../../packages/countersign/src/client/oauth-client.js';
import { createProvider, type Provider } from '../../packages/countersign/src/provider/provider.js';
import { buildServer, type ServerOptions } from '../../packages/server/src/server/app.js';
import { parseRouteFile } from '../../packages/server/src/server/gateway/routes.js';
import { MemoryStore } from '../../packages/countersign/src/stores/memory-store.js';

export const PYTHON = '/usr/bin/python3';
export const NGINX = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';

function available(ok: boolean, what: string): boolean {
  if (ok) return true;
  if (process.env.CI === 'true') throw new Error(`CI needs ${what}`);
  console.warn(`NOTICE: ${what} not found; the suites that need it are skipped.`);
  return false;
}

export const hasPython = available(
  existsSync(PYTHON) &&
    spawnSync(PYTHON, ['-c', 'import requests_oauthlib, authlib'], { stdio: 'ignore' }).status === 0,
  'python3 with python3-requests-oauthlib and python3-authlib',
);
export const hasNginx = available(
  spawnSync(NGINX, ['-v'], { stdio: 'ignore' }).status === 0,
  "Debian's nginx",
);

/** The routes every gateway suite uses, over the upstream's paths. */
export const ROUTES = JSON.stringify({
  routes: [
    { method: 'GET', path: '/v1/echo', scope: 'read_public' },
    { method: 'POST', path: '/v1/echo', scope: 'write_private' },
    { method: '*', path: '/v1/things/:id', scope: 'read_public' },
    { method: 'GET', path: '/v1/private', scope: 'read_private' },
    { method: 'GET', path: '/v1/admin', scope: 'admin' },
    { method: '*', path: '/v1/status', public: true },
    { method: 'GET', path: '/v1/release', public: true },
    { method: 'GET', path: '/v1/large', scope: 'read_public' },
    { method: 'GET', path: '/v1/held', scope: 'read_public' },
    { method: 'GET', path: '/v1/slow', scope: 'read_public' },
    { method: 'GET', path: '/v1/teapot', scope: 'read_public' },
    { method: 'GET', path: '/v1/files/*', public: true },
  ],
});

export const SCOPES = ['read_public', 'read_private', 'write_private'];

/** One request the upstream received, as it logged it. */
export interface UpstreamRecord {
  readonly method: string;
  readonly target: string;
  readonly headers: [string, string][];
  readonly body_length: number;
  readonly body_sha256: string;
}

/** The values of a header in a record, by name in any case. */
export function headerValues(record: { headers: [string, string][] }, name: string): string[] {
  return record.headers.filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v);
}

export interface RunningUpstream {
  readonly url: string;
  /** Every request it has received so far. */
  records(): UpstreamRecord[];
  stop(): Promise<void>;
}

async function started(child: ChildProcess, what: string): Promise<string> {
  let output = '';
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start: ${output}`)), 20_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /serving on (\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => reject(new Error(`${what} exited with ${code}: ${output}`)));
  });
}

function stopper(child: ChildProcess): () => Promise<void> {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
}

export async function startUpstream(dir: string): Promise<RunningUpstream> {
  const log = join(dir, `upstream-${Date.now()}.log`);
  writeFileSync(log, '');
  const script = new URL('upstream.py', import.meta.url).pathname;
  const child = spawn(PYTHON, [script, log], { stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await started(child, 'the Python upstream');
  return {
    url,
    records: () =>
      readFileSync(log, 'utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as UpstreamRecord),
    stop: stopper(child),
  };
}

/** A port nobody listens on at the moment. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The `gateway-forward-auth` nginx configuration of docs/gateway.md, as the docs print it. */
export function documentedNginxConfig(): string {
  const docs = readFileSync(new URL('../../docs/gateway.md', import.meta.url), 'utf8');
  const match = /```nginx gateway-forward-auth\n([\s\S]*?)```/.exec(docs);
  if (!match?.[1]) throw new Error('docs/gateway.md has no gateway-forward-auth block');
  return match[1];
}

export interface RunningNginx {
  readonly url: string;
  readonly port: number;
  /** nginx's error log so far (to explain a failure). */
  errors(): string;
  stop(): Promise<void>;
}

/**
 * Starts nginx with `http` (the inside of its `http` block; `listen 80;` becomes a free loopback
 * port), every path it writes inside `dir`, in the foreground.
 */
export async function startNginx(dir: string, http: string): Promise<RunningNginx> {
  const port = await freePort();
  const prefix = join(dir, `nginx-${port}`);
  mkdirSync(join(prefix, 'tmp'), { recursive: true });
  // Run as root, nginx's workers are `nobody`: they must reach the prefix and write its temp files.
  for (const path of [dir, prefix]) chmodSync(path, 0o755);
  chmodSync(join(prefix, 'tmp'), 0o777);
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((name) => `    ${name}_temp_path ${prefix}/tmp/${name};`)
    .join('\n');
  const conf = [
    'worker_processes 1;',
    `error_log ${prefix}/error.log warn;`,
    `pid ${prefix}/nginx.pid;`,
    'events { worker_connections 1024; }',
    'http {',
    `    access_log ${prefix}/access.log;`,
    temp,
    http.replaceAll('listen 80;', `listen 127.0.0.1:${port};`),
    '}',
    '',
  ].join('\n');
  writeFileSync(join(prefix, 'nginx.conf'), conf);
  const child = spawn(NGINX, ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const errors = () => {
    try {
      return stderr + readFileSync(join(prefix, 'error.log'), 'utf8');
    } catch {
      return stderr;
    }
  };
  for (let i = 0; i < 100 && !(await accepting(port)); i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${errors()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url: `http://127.0.0.1:${port}`, port, errors, stop: stopper(child) };
}

/** The documented configuration pointed at this countersign server and this upstream. */
export function forwardAuthConfig(countersign: string, upstream: string): string {
  return documentedNginxConfig()
    .replace('server 127.0.0.1:3000;', `server ${new URL(countersign).host};`)
    .replace('server 127.0.0.1:8080;', `server ${new URL(upstream).host};`);
}

export interface Gateway {
  readonly app: FastifyInstance;
  readonly base: string;
  readonly store: MemoryStore;
  /** A provider on the same store, for registering and deciding. */
  readonly provider: Provider;
  readonly consumer: { readonly key: string; readonly secret: string };
  readonly client: OAuthClient;
  readonly access: { readonly token: string; readonly secret: string };
}

/**
 * A listening gateway server on a memory store (`options` add to or replace the gateway's), with
 * bob, his two-legged consumer holding `SCOPES`, and the access token he granted it all of them.
 */
export async function startGateway(
  upstream: string | undefined,
  options: Partial<ServerOptions> = {},
  store = new MemoryStore(),
): Promise<Gateway> {
  const app = await buildServer({
    store,
    gateway: { routes: parseRouteFile(ROUTES), upstream, upstreamTimeout: 2 },
    ...options,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const provider = createProvider({ store });
  await store.putUser({ name: 'bob', status: 'active', createdAt: 0 });
  const registered = await provider.registerConsumer({
    name: 'Gateway client',
    owner: 'bob',
    callback: 'oob',
    scopes: SCOPES,
    twoLegged: true,
  });
  const consumer = { key: registered.key, secret: registered.secret };
  const client = new OAuthClient({ consumerKey: consumer.key, consumerSecret: consumer.secret });
  const request = await client.initiate(`${base}/oauth/initiate`, 'oob', SCOPES);
  const { verifier = '' } = await provider.decide(request.token, { user: 'bob', approve: true });
  const access = await client.exchange(`${base}/oauth/token`, request, verifier);
  return { app, base, store, provider, consumer, client, access };
}

/** A plain node:http request (any path and header, in any case, sent as given); the answer read whole. */
export function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    // The path as given: a URL string would be normalized (WHATWG URL resolves `..` and `%2e%2e`).
    const { hostname, port, pathname, search } = new URL(url);
    const path = url.slice(url.indexOf('/', url.indexOf('//') + 2)) || `${pathname}${search}`;
    const init = { hostname, port, path, method: options.method ?? 'GET', headers: options.headers };
    const req = httpRequest(init, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}
