/**
 * `countersign request` and `countersign profile`: a two-legged profile made from the command line,
 * profiles listed and the default chosen, `-v` showing the base string, the Authorization header and
 * the raw answer (on stderr, never a secret), and `--data-binary` bodies (text, @file, @-) sent with
 * `oauth_body_hash`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OAuthClient } from '../../packages/countersign/src/client/oauth-client.js';
import { createProvider } from '../../packages/countersign/src/provider/provider.js';
import { MemoryStore } from '../../packages/countersign/src/stores/memory-store.js';
import { MemoryServerData } from '../../packages/server/src/data/memory-data.js';
import { dispatch } from '../../packages/server/src/cli/command-tree.js';
import { buildServer } from '../../packages/server/src/server/app.js';

const cli = new URL('../../packages/server/dist/cli/main.js', import.meta.url).pathname;

describe('countersign request and profile', () => {
  let app: FastifyInstance;
  let store: MemoryStore;
  let data: MemoryServerData;
  let base: string;
  let dir: string;
  let env: Record<string, string>;
  let twoLegged: { key: string; secret: string };
  let bob: { key: string; secret: string; token: string; tokenSecret: string };

  beforeAll(async () => {
    store = new MemoryStore();
    data = new MemoryServerData();
    app = await buildServer({ store, data });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    await store.putUser({ name: 'bob', status: 'active', createdAt: 0 });
    const provider = createProvider({ store });
    const scopes = ['read_public', 'read_private', 'write_private'];
    const server = await provider.registerConsumer({
      name: 'Cron',
      owner: 'bob',
      callback: 'oob',
      scopes,
      twoLegged: true,
    });
    twoLegged = { key: server.key, secret: server.secret };
    const app3 = await provider.registerConsumer({ name: 'Notes', owner: 'bob', callback: 'oob', scopes });
    const client = new OAuthClient({ consumerKey: app3.key, consumerSecret: app3.secret });
    const request = await client.initiate(`${base}/oauth/initiate`, 'oob');
    const { verifier = '' } = await provider.decide(request.token, { user: 'bob', approve: true });
    const access = await client.exchange(`${base}/oauth/token`, request, verifier);
    bob = { key: app3.key, secret: app3.secret, token: access.token, tokenSecret: access.secret };
    dir = mkdtempSync(join(tmpdir(), 'countersign-request-'));
    env = { COUNTERSIGN_PROFILES: join(dir, 'profiles.json') };
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function cs(args: string[], extra: Record<string, string> = {}) {
    const out: string[] = [];
    const err: string[] = [];
    const status = await dispatch(args, {
      out: (line) => out.push(line),
      err: (line) => err.push(line),
      env: { ...env, ...extra },
    });
    return { status, stdout: out.join('\n'), stderr: err.join('\n') };
  }

  /** The CLI as a process (not spawnSync: the server answering it runs in this process). */
  function runWithInput(args: string[], input: string): Promise<{ status: number | null; stderr: string }> {
    const child = spawn(process.execPath, [cli, ...args], { env: { PATH: process.env.PATH, ...env } });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.end(input);
    return new Promise((resolve) => child.once('close', (status) => resolve({ status, stderr })));
  }

  it('saves a two-legged profile from a consumer key and secret, and signs with it', async () => {
    const added = await cs(['profile', 'add', 'cron', '--site', base, '--consumer-key', twoLegged.key], {
      COUNTERSIGN_CONSUMER_SECRET: twoLegged.secret,
    });
    expect(added).toMatchObject({ status: 0, stderr: '' });
    expect(added.stdout).toContain('Saved two-legged profile cron');
    expect(statSync(env.COUNTERSIGN_PROFILES as string).mode & 0o777).toBe(0o600);
    const me = await cs(['request', '/api/v1/me']);
    expect(me.status).toBe(0);
    expect(me.stdout.split('\n')[0]).toBe('HTTP 200 OK');
    expect(JSON.parse(me.stdout.split('\n')[1] ?? '')).toMatchObject({ user: null, two_legged: true });
  });

  it('lists the profiles, marks the default, and lets another be chosen', async () => {
    const added = await cs([
      'profile',
      'add',
      'bob',
      '--site',
      base,
      '--consumer-key',
      bob.key,
      '--consumer-secret',
      bob.secret,
      '--token',
      bob.token,
      '--token-secret',
      bob.tokenSecret,
    ]);
    expect(added.status).toBe(0);
    expect((await cs(['profile', 'list'])).stdout.split('\n')).toEqual([
      `  cron  ${base}  two-legged`,
      `* bob   ${base}  with a token`,
    ]);
    expect((await cs(['profile', 'use', 'cron'])).stdout).toBe('profile cron is the default');
    expect(JSON.parse((await cs(['profile', 'list', '--json'])).stdout)).toEqual({
      default: 'cron',
      profiles: [
        { name: 'cron', site: base, two_legged: true },
        { name: 'bob', site: base, two_legged: false },
      ],
    });
    const asBob = await cs(['request', '--profile', 'bob', `${base}/api/v1/me`]);
    expect(JSON.parse(asBob.stdout.split('\n')[1] ?? '')).toMatchObject({ user: 'bob', two_legged: false });
    const viaVariable = await cs(['request', '/api/v1/me'], { COUNTERSIGN_PROFILE: 'bob' });
    expect(JSON.parse(viaVariable.stdout.split('\n')[1] ?? '')).toMatchObject({ user: 'bob' });
    // The file holds the secrets; nothing printed does.
    for (const run of [added, asBob]) expect(run.stdout + run.stderr).not.toContain(bob.tokenSecret);
  });

  it('-v shows the base string, the Authorization header and the raw answer on stderr, never a secret', async () => {
    const run = await cs(['request', '-v', '--profile', 'bob', '/api/v1/me?x=1']);
    expect(run.status).toBe(0);
    const lines = run.stderr.split('\n');
    const url = `${base}/api/v1/me`;
    expect(lines[0]).toMatch(
      new RegExp(
        `^\\* signature base string: GET&${encodeURIComponent(url).replace(/[.]/g, '\\.')}&oauth_consumer_key%3D`,
      ),
    );
    expect(lines[1]).toBe('> GET /api/v1/me?x=1 HTTP/1.1');
    expect(lines[2]).toBe(`> Host: ${new URL(base).host}`);
    expect(lines).toContainEqual(
      expect.stringMatching(/^> authorization: OAuth oauth_consumer_key=".*oauth_signature="/),
    );
    expect(lines).toContain('< HTTP/1.1 200 OK');
    expect(lines).toContainEqual(expect.stringMatching(/^< content-type: application\/json/));
    expect(run.stdout.split('\n')[0]).toBe('HTTP 200 OK');
    for (const secret of [bob.secret, bob.tokenSecret]) expect(run.stdout + run.stderr).not.toContain(secret);
    // Without -v, nothing on stderr.
    expect((await cs(['request', '--profile', 'bob', '/api/v1/me'])).stderr).toBe('');
  });

  it('sends --data-binary text, @file and @- with oauth_body_hash, and the notes are stored', async () => {
    const file = join(dir, 'note.json');
    writeFileSync(file, JSON.stringify({ text: 'from a file' }));
    const json = ['--profile', 'bob', '--content-type', 'application/json'];
    const text = await cs([
      'request',
      '-v',
      ...json,
      '--data-binary',
      '{"text":"from the command line"}',
      '/api/v1/notes',
    ]);
    expect(text.status).toBe(0);
    expect(text.stdout.split('\n')[0]).toBe('HTTP 201 Created');
    expect(text.stderr).toContain('> POST /api/v1/notes HTTP/1.1');
    expect(text.stderr).toMatch(/> authorization: OAuth .*oauth_body_hash="/);
    expect(text.stderr).toContain('> content-type: application/json');
    expect((await cs(['request', ...json, '--data-binary', `@${file}`, '/api/v1/notes'])).status).toBe(0);
    const piped = await runWithInput(
      ['request', ...json, '--data-binary', '@-', '/api/v1/notes'],
      JSON.stringify({ text: 'from standard input' }),
    );
    expect(piped.stderr).toBe('');
    expect(piped.status).toBe(0);
    const notes = await data.listNotes('bob');
    expect(notes.map((n) => n.text).sort()).toEqual([
      'from a file',
      'from standard input',
      'from the command line',
    ]);
  });

  it('exits 1 on a refused request, showing the problem', async () => {
    const wrong = {
      site: base,
      consumer_key: bob.key,
      consumer_secret: 'not-the-secret',
      token: bob.token,
      token_secret: bob.tokenSecret,
    };
    writeFileSync(join(dir, 'wrong.json'), JSON.stringify({ default: 'w', profiles: { w: wrong } }));
    const run = await cs(['request', '/api/v1/me'], { COUNTERSIGN_PROFILES: join(dir, 'wrong.json') });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('problem: signature_invalid (code 7)');
    // The same request, signed with another secret: the base strings agree, and the output says so.
    expect(run.stdout).toContain('server and client base strings are identical');
  });

  it.each([
    [
      [
        'request',
        '--profile',
        'bob',
        '--data-binary',
        'a=b',
        '--content-type',
        'application/x-www-form-urlencoded',
        '/api/v1/notes',
      ],
      'a form body is signed as parameters',
    ],
    [
      ['request', '--profile', 'bob', '-d', 'a=b', '--data-binary', 'x', '/api/v1/notes'],
      'choose one of --data, --data-binary',
    ],
    [
      ['request', '--profile', 'bob', '--content-type', 'text/plain', '/api/v1/me'],
      '--content-type is the type of a --data-binary body',
    ],
    [
      ['request', '--profile', 'bob', '--data-binary', '@/nonexistent/file', '/api/v1/notes'],
      'cannot read --data-binary @/nonexistent/file',
    ],
    [['request', '--profile', 'nobody', '/api/v1/me'], 'no profile named nobody'],
    [['profile', 'use', 'nobody'], 'no profile named nobody'],
    [['profile', 'remove', 'nobody'], 'no profile named nobody'],
    [
      ['profile', 'add', 'p', '--site', 'localhost:3000', '--consumer-key', 'k', '--consumer-secret', 's'],
      '--site must be the provider URL',
    ],
    [
      [
        'profile',
        'add',
        'p',
        '--site',
        'http://x',
        '--consumer-key',
        'k',
        '--consumer-secret',
        's',
        '--token',
        't',
      ],
      'give --token and --token-secret together',
    ],
    [
      ['profile', 'add', 'p', '--site', 'http://x', '--consumer-key', 'k'],
      '--consumer-secret (or COUNTERSIGN_CONSUMER_SECRET) is required',
    ],
  ])('refuses %j in one line with exit code 2', async (args, message) => {
    const run = await cs(args);
    expect(run.status).toBe(2);
    expect(run.stderr.split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(message);
  });

  it('removes a profile, and the default with it', async () => {
    expect((await cs(['profile', 'remove', 'cron'])).status).toBe(0);
    expect(JSON.parse((await cs(['profile', 'list', '--json'])).stdout)).toMatchObject({ default: null });
  });
});
