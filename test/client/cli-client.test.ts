/**
 * `countersign authorize` and `countersign request` as a user runs them: the dance with a local
 * callback and with a PIN, a 0600 profile, calls with it, and a problem shown with both base strings.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Consumer } from '../../packages/countersign/src/provider/model.js';
import { createProvider, type Provider } from '../../packages/countersign/src/provider/provider.js';
import { buildServer } from '../../packages/server/src/server/app.js';
import { MemoryStore } from '../../packages/countersign/src/stores/memory-store.js';

const cli = new URL('../../packages/server/dist/cli/main.js', import.meta.url).pathname;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

interface Run {
  child: ChildProcess;
  output: () => string;
  waitFor(pattern: RegExp): Promise<RegExpExecArray>;
  done: Promise<number | null>;
}

function start(args: string[], env: Record<string, string>): Run {
  const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ...env } });
  let output = '';
  const waiters: { pattern: RegExp; resolve: (m: RegExpExecArray) => void }[] = [];
  const feed = (chunk: Buffer) => {
    output += chunk.toString();
    for (const w of [...waiters]) {
      const match = w.pattern.exec(output);
      if (match) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(match);
      }
    }
  };
  child.stdout.on('data', feed);
  child.stderr.on('data', feed);
  return {
    child,
    output: () => output,
    waitFor: (pattern) =>
      new Promise((resolve) => {
        const match = pattern.exec(output);
        if (match) resolve(match);
        else waiters.push({ pattern, resolve });
      }),
    done: new Promise((resolve) => child.once('exit', resolve)),
  };
}

describe('countersign authorize and request', () => {
  let app: FastifyInstance;
  let proxied: FastifyInstance;
  let base: string;
  let proxiedBase: string;
  let store: MemoryStore;
  let provider: Provider;
  let dir: string;
  let env: Record<string, string>;
  let callbackPort: number;
  let withCallback: Consumer;
  let oobOnly: Consumer;

  beforeAll(async () => {
    store = new MemoryStore();
    app = await buildServer({ store });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    proxied = await buildServer({ store, publicUrl: 'https://api.countersign.test' });
    await proxied.listen({ port: 0, host: '127.0.0.1' });
    proxiedBase = `http://127.0.0.1:${(proxied.server.address() as AddressInfo).port}`;
    provider = createProvider({ store });
    await store.putUser({ name: 'bob', status: 'active', createdAt: 0 });
    callbackPort = await freePort();
    const scopes = ['read_public', 'read_private', 'write_private'];
    withCallback = await provider.registerConsumer({
      name: 'CLI',
      owner: 'bob',
      callback: `http://127.0.0.1:${callbackPort}/callback`,
      scopes,
    });
    oobOnly = await provider.registerConsumer({ name: 'CLI oob', owner: 'bob', callback: 'oob', scopes });
    dir = mkdtempSync(join(tmpdir(), 'countersign-profiles-'));
    env = { COUNTERSIGN_PROFILES: join(dir, 'profiles.json') };
  });
  afterAll(async () => {
    await app.close();
    await proxied.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const credentials = (c: Consumer) => [
    '--site',
    base,
    '--consumer-key',
    c.key,
    '--consumer-secret',
    c.secret,
  ];

  it('authorizes through a local callback and saves a 0600 profile', async () => {
    const run = start(
      [
        'authorize',
        ...credentials(withCallback),
        '--port',
        String(callbackPort),
        '--profile',
        'cb',
        '--scopes',
        'read_public,write_private',
      ],
      env,
    );
    const [, token = ''] = await run.waitFor(/oauth_token=([a-z0-9]{32})/);
    const outcome = await provider.decide(token, { user: 'bob', approve: true });
    // The browser follows the redirect to the CLI's callback.
    expect((await fetch(outcome.redirect ?? '')).status).toBe(200);
    expect(await run.done).toBe(0);
    expect(run.output()).toContain('Saved profile cb');
    expect(statSync(env.COUNTERSIGN_PROFILES as string).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(readFileSync(env.COUNTERSIGN_PROFILES as string, 'utf8')) as {
      default: string;
      profiles: Record<string, { token: string }>;
    };
    expect(saved.default).toBe('cb');
    expect(saved.profiles.cb?.token).toMatch(/^[a-z0-9]{32}$/);
  });

  it('falls back to a PIN when the consumer is registered for oob', async () => {
    const run = start(['authorize', ...credentials(oobOnly), '--profile', 'pin'], env);
    const [, token = ''] = await run.waitFor(/oauth_token=([a-z0-9]{32})/);
    await run.waitFor(/Enter the PIN/);
    expect(run.output()).toContain('using a PIN (oob) instead');
    const { verifier = '' } = await provider.decide(token, { user: 'bob', approve: true });
    run.child.stdin?.end(`${verifier}\n`);
    expect(await run.done).toBe(0);
    expect(run.output()).toContain('Saved profile pin');
  });

  it('sends requests with a profile, like twurl', async () => {
    const me = start(['request', '--profile', 'cb', '/api/v1/me'], env);
    expect(await me.done).toBe(0);
    expect(me.output()).toMatch(/^HTTP 200 OK\n\{"user":"bob"/);
    const note = start(['request', '--profile', 'cb', '-d', 'text=from the cli', '/api/v1/notes'], env);
    expect(await note.done).toBe(0);
    expect(note.output()).toMatch(/^HTTP 201 Created\n.*"text":"from the cli"/);
    const notAllowed = start(['request', '--profile', 'cb', '/api/v1/notes'], env);
    expect(await notAllowed.done).toBe(1);
    expect(notAllowed.output()).toContain('problem: additional_authorization_required (code 20)');
  });

  it('shows a signature problem with both base strings and the first difference marked', async () => {
    const file = env.COUNTERSIGN_PROFILES as string;
    const saved = JSON.parse(readFileSync(file, 'utf8')) as {
      profiles: Record<string, Record<string, string>>;
    };
    saved.profiles.proxied = { ...(saved.profiles.cb as Record<string, string>), site: proxiedBase };
    writeFileSync(file, JSON.stringify(saved));
    const run = start(['request', '--profile', 'proxied', '/api/v1/me'], env);
    expect(await run.done).toBe(1);
    const out = run.output();
    expect(out).toContain('HTTP 401 Unauthorized');
    expect(out).toContain('problem: signature_invalid (code 7)');
    expect(out).toMatch(/server: GET&https%3A%2F%2Fapi\.countersign\.test%2Fapi%2Fv1%2Fme&/);
    expect(out).toMatch(/client: GET&http%3A%2F%2F127\.0\.0\.1/);
    expect(out).toMatch(/\n {16}\^ first difference at character 9\n/);
    expect(out).toMatch(/\nwhy: {4}your client signed an http URL, the server took the request for https /);
  });

  it('refuses a callback port that is taken with one line', async () => {
    const taken = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => taken.once('listening', resolve));
    const port = (taken.address() as AddressInfo).port;
    const run = start(['authorize', ...credentials(withCallback), '--port', String(port)], env);
    expect(await run.done).toBe(2);
    expect(run.output().trim()).toMatch(
      /^countersign authorize: cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/,
    );
    taken.close();
  });

  it('refuses bad input with one line', async () => {
    const run = start(['request', '--profile', 'nope', '/x'], env);
    expect(await run.done).toBe(2);
    expect(run.output().trim()).toMatch(/^countersign request: no profile named nope in .*profiles\.json$/);
  });
});
