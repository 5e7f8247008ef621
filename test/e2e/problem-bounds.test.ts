/**
 * Bounded problems through the reference server: a 1 MB bad-signature request gets an answer that
 * Node's fetch, Python and curl all read (header under 8 KiB, body a few KiB), the problem log keeps
 * a bounded row, records at most its limit per consumer and minute (the rest counted and shown on
 * the console page), and the limit is shared by instances that share Redis.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readProblem } from '../../packages/countersign/src/client/problem-response.js';
import { signRequest } from '../../packages/countersign/src/client/sign-request.js';
import { compareBaseStrings } from '../../packages/countersign/src/client/base-string-diff.js';
import { readCut } from '../../packages/countersign/src/problems/bounds.js';
import type { Consumer } from '../../packages/countersign/src/provider/model.js';
import { createProvider } from '../../packages/countersign/src/provider/provider.js';
import { buildServer, type ServerOptions } from '../../packages/server/src/server/app.js';
import { appPage } from '../../packages/server/src/server/views/app-page.js';
import { MemoryServerData } from '../../packages/server/src/data/memory-data.js';
import { MemoryStore } from '../../packages/countersign/src/stores/memory-store.js';
import { hasRedis, REDIS_URL, redisPrefix } from '../support/services.js';

const KIB = 1024;
/** Asynchronous: the server answering them runs in this process. */
const run = promisify(execFile);

async function start(store: MemoryStore, data: MemoryServerData, extra: Partial<ServerOptions> = {}) {
  const app = await buildServer({ store, data, ...extra });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
}

async function register(store: MemoryStore): Promise<Consumer> {
  return createProvider({ store }).registerConsumer({ name: 'Big', owner: 'bob', callback: 'oob' });
}

/** An initiate request signed with the wrong secret, with a form field of `size` characters. */
function badRequest(base: string, consumer: Consumer, size: number) {
  const form: [string, string][] = [['text', 'a'.repeat(size)]];
  const { authorization } = signRequest({
    method: 'POST',
    url: `${base}/oauth/initiate`,
    consumerKey: consumer.key,
    consumerSecret: 'not the secret',
    extra: { oauth_callback: 'oob' },
    form,
  });
  return { authorization, body: new URLSearchParams(form).toString() };
}

function sendBad(base: string, consumer: Consumer, size: number) {
  const { authorization, body } = badRequest(base, consumer, size);
  return fetch(`${base}/oauth/initiate`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
}

describe('a 1 MB bad-signature request', () => {
  let store: MemoryStore;
  let data: MemoryServerData;
  let app: FastifyInstance;
  let base: string;
  let consumer: Consumer;
  let dir: string;
  beforeAll(async () => {
    store = new MemoryStore();
    data = new MemoryServerData();
    ({ app, base } = await start(store, data));
    consumer = await register(store);
    dir = mkdtempSync(join(tmpdir(), 'countersign-bounds-'));
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("gets an answer Node's fetch reads: a small header, a bounded body, the base string cut", async () => {
    const response = await sendBad(base, consumer, 1_000_000);
    expect(response.status).toBe(401);
    expect((response.headers.get('www-authenticate') ?? '').length).toBeLessThan(8 * KIB);
    const text = await response.clone().text();
    expect(text.length).toBeLessThan(16 * KIB);
    const problem = await readProblem(response);
    expect(problem?.problem).toBe('signature_invalid');
    expect(problem?.baseString?.startsWith('POST&http%3A%2F%2F127.0.0.1')).toBe(true);
    expect(problem?.baseStringOmitted).toBeGreaterThan(990_000);
  });

  it('is stored as a bounded row', async () => {
    const [row] = await data.listProblems(consumer.key);
    expect(row?.problem).toBe('signature_invalid');
    expect(readCut(row?.baseString ?? '').omitted).toBeGreaterThan(990_000);
    expect(JSON.stringify(row).length).toBeLessThan(8 * KIB);
  });

  it('gets an answer Python and curl read', async () => {
    const { authorization, body } = badRequest(base, consumer, 1_000_000);
    const file = join(dir, 'body');
    writeFileSync(file, body);
    const python = await run(
      '/usr/bin/python3',
      [
        '-c',
        `import sys, urllib.request, urllib.error
req = urllib.request.Request(sys.argv[1], data=open(sys.argv[2], 'rb').read(), method='POST',
    headers={'Authorization': sys.argv[3], 'Content-Type': 'application/x-www-form-urlencoded'})
try:
    urllib.request.urlopen(req)
except urllib.error.HTTPError as e:
    print(e.code, len(e.headers['WWW-Authenticate']), len(e.read()))`,
        `${base}/oauth/initiate`,
        file,
        authorization,
      ],
      { encoding: 'utf8' },
    );
    expect(python.stderr).toBe('');
    const [pyStatus, pyHeader, pyBody] = python.stdout.trim().split(' ').map(Number);
    expect(pyStatus).toBe(401);
    expect(pyHeader).toBeLessThan(8 * KIB);
    expect(pyBody).toBeLessThan(16 * KIB);

    const curl = await run(
      'curl',
      [
        '-sS',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code} %{size_header} %{size_download}',
        '-H',
        `Authorization: ${authorization}`,
        '-H',
        'Content-Type: application/x-www-form-urlencoded',
        '--data-binary',
        `@${file}`,
        `${base}/oauth/initiate`,
      ],
      { encoding: 'utf8' },
    );
    expect(curl.stderr).toBe('');
    const [curlStatus, curlHeaders, curlBody] = curl.stdout.trim().split(' ').map(Number);
    expect(curlStatus).toBe(401);
    expect(curlHeaders).toBeLessThan(9 * KIB);
    expect(curlBody).toBeLessThan(16 * KIB);
  });
});

it('countersign request marks that the server cut its copy of the base string', () => {
  const client = `POST&x&${'a'.repeat(5000)}`;
  const lines = compareBaseStrings(client.slice(0, 4096), client, 100, 904);
  expect(lines.join('\n')).toMatch(/cut/);
  expect(lines.join('\n')).not.toMatch(/identical/);
  const differing = compareBaseStrings(`POST&y&${'a'.repeat(4088)}`, client, 100, 904);
  expect(differing[2]).toMatch(/first difference at character 6/);
  expect(differing.join('\n')).toMatch(/cut/);
});

describe('the problem log under 200 bad requests for one consumer', () => {
  let store: MemoryStore;
  let data: MemoryServerData;
  let app: FastifyInstance;
  let base: string;
  let consumer: Consumer;
  beforeAll(async () => {
    store = new MemoryStore();
    data = new MemoryServerData();
    ({ app, base } = await start(store, data));
    consumer = await register(store);
  });
  afterAll(() => app.close());

  it('records at most the limit, counts the rest, and keeps the console page small', async () => {
    for (let i = 0; i < 200; i++) expect((await sendBad(base, consumer, 100_000)).status).toBe(401);
    const problems = await data.listProblems(consumer.key);
    expect(problems.length).toBeLessThanOrEqual(20);
    expect(problems.reduce((sum, p) => sum + (p.unrecorded ?? 0), 0)).toBe(200 - problems.length);
    const page = appPage({ user: 'bob', csrf: 'x' }, consumer, problems, { now: Date.now() });
    expect(page).toContain(`${200 - problems.length} more refused requests not recorded`);
    expect(page.length).toBeLessThan(256 * KIB);
  });
});

describe.skipIf(!hasRedis)('the problem log of two instances sharing Redis', () => {
  const prefix = redisPrefix();
  const clients: Redis[] = [];
  const apps: FastifyInstance[] = [];
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    const [redis] = clients;
    if (redis) {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
    }
    for (const redis of clients) redis.disconnect();
  });

  it('shares the limit', async () => {
    const store = new MemoryStore();
    const data = new MemoryServerData();
    const consumer = await register(store);
    const bases: string[] = [];
    for (let i = 0; i < 2; i++) {
      const redis = new Redis(REDIS_URL);
      clients.push(redis);
      const { app, base } = await start(store, data, {
        redis,
        problemLog: { limit: 5, redisPrefix: prefix },
      });
      apps.push(app);
      bases.push(base);
    }
    for (let i = 0; i < 20; i++) {
      for (const base of bases) expect((await sendBad(base, consumer, 10)).status).toBe(401);
    }
    const problems = await data.listProblems(consumer.key);
    expect(problems).toHaveLength(5);
    expect(problems.reduce((sum, p) => sum + (p.unrecorded ?? 0), 0)).toBe(35);
  });
});
