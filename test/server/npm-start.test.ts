/**
 * The README's way: `npm start` on a temporary data directory, then the CLI contract end to end with
 * Debian's python3-requests-oauthlib as the client: user add → consumer add → initiate → approve →
 * token → /api/v1/me. Also: every admin command refuses bad input with one line and a non-zero exit.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
const cli = join(root, 'packages/server/dist/cli/main.js');
const python = '/usr/bin/python3';
const hasRequestsOAuthlib =
  existsSync(python) &&
  spawnSync(python, ['-c', 'import requests_oauthlib'], { stdio: 'ignore' }).status === 0;
if (!hasRequestsOAuthlib) {
  if (process.env.CI === 'true')
    throw new Error('CI needs python3-requests-oauthlib (apt-get install python3-requests-oauthlib)');
  console.warn('NOTICE: python3-requests-oauthlib not found; the npm start interop test is skipped.');
}

function run(args: string[], input?: string, env: NodeJS.ProcessEnv = process.env) {
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', input: input ?? '', env });
  return { status: result.status, stdout: result.stdout.trim(), stderr: result.stderr.trim() };
}

describe('the CLI contract', () => {
  let dir: string;
  let db: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'countersign-cli-'));
    db = join(dir, 'countersign.db');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    [['user', 'add', 'Bad Name', '--password-stdin'], 'pass word 1'],
    [['user', 'add', 'shorty', '--password-stdin'], 'short'],
    [['user', 'suspend', 'nobody'], ''],
    [['user', 'frobnicate', 'x'], ''],
    [['consumer', 'add', '--name', 'X', '--owner', 'nobody', '--callback', 'oob'], ''],
    [['consumer', 'suspend', 'nokey'], ''],
    [['approve', '--token', 'nope', '--user', 'nobody', '--json'], ''],
    [['deny', '--user', 'x'], ''],
    [['token', 'revoke', 'nope'], ''],
    [['serve', '--port', 'eighty'], ''],
    [['consumer', 'add', '--bogus'], ''],
  ])('%j exits 2 with one line', (args, input) => {
    const result = run([...args, '--db', db], input);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^countersign \w+: \S.*$/);
    expect(result.stderr.split('\n')).toHaveLength(1);
  });

  it('names what is wrong with a URL given on the command line', () => {
    const profiles = join(dir, 'profiles.json');
    writeFileSync(
      profiles,
      JSON.stringify({
        default: 'p',
        profiles: {
          p: {
            site: 'http://127.0.0.1:1',
            consumer_key: 'k',
            consumer_secret: 's',
            token: 't',
            token_secret: 'u',
          },
        },
      }),
    );
    const env = { ...process.env, COUNTERSIGN_PROFILES: profiles };
    for (const [args, message] of [
      [
        ['user', 'add', 'bob', '--password-stdin', '--database-url', 'notaurl'],
        'countersign user: --database-url must be a postgres:// or postgresql:// URL, like postgres://user@localhost/countersign',
      ],
      [
        ['serve', '--port', '0', '--db', db, '--redis-url', 'localhost:6379'],
        'countersign serve: --redis-url must be a redis:// or rediss:// URL, like redis://localhost:6379',
      ],
      [['request', 'ftp://x/'], 'countersign request: not an http or https URL: "ftp://x/"'],
      [['request', 'http://[::1'], 'countersign request: not an http or https URL: "http://[::1"'],
      [['request', '-H', 'bad', '/api/v1/me'], `countersign request: -H takes 'Name: value', got "bad"`],
    ] as const) {
      const result = run([...args], 'correct horse battery\n', env);
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toBe(message);
    }
  });
});

describe.skipIf(!hasRequestsOAuthlib)(
  'npm start, then the CLI contract with python3-requests-oauthlib',
  () => {
    let dir: string;
    let db: string;
    let server: ChildProcess;
    let base: string;
    let output = '';

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'countersign-start-'));
      db = join(dir, 'countersign.db');
      server = spawn('npm', ['start', '--', '--db', db, '--port', '0'], {
        cwd: root,
        detached: true,
        env: { ...process.env },
      });
      server.stderr?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      base = await new Promise<string>((resolve, reject) => {
        server.stdout?.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /Countersign is serving on (\S+)/.exec(output);
          if (match?.[1]) resolve(match[1]);
        });
        server.once('exit', (code) => reject(new Error(`npm start exited with ${code}: ${output}`)));
      });
      const health = await fetch(`${base}/healthz`);
      expect(health.status).toBe(200);
    }, 120_000);

    afterAll(async () => {
      if (server.pid !== undefined && server.exitCode === null && server.signalCode === null) {
        const exited = new Promise((resolve) => server.once('exit', resolve));
        process.kill(-server.pid, 'SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    });

    it('walks initiate → approve → token → /api/v1/me', async () => {
      expect(
        run(['user', 'add', 'bob', '--password-stdin', '--db', db], 'correct horse battery\n').status,
      ).toBe(0);
      const added = run([
        'consumer',
        'add',
        '--name',
        'Python client',
        '--owner',
        'bob',
        '--callback',
        'oob',
        '--scopes',
        'read_public,read_private,write_private',
        '--json',
        '--db',
        db,
      ]);
      expect(added.status).toBe(0);
      const consumer = JSON.parse(added.stdout) as { key: string; secret: string };
      expect(consumer.key).toMatch(/^[a-z0-9]{32}$/);

      const flow = spawnSync(
        python,
        [
          join(root, 'test/interop/requests_oauthlib_flow.py'),
          base,
          consumer.key,
          consumer.secret,
          process.execPath,
          cli,
          'approve',
          '--user',
          'bob',
          '--json',
          '--db',
          db,
          '--token',
        ],
        { encoding: 'utf8' },
      );
      expect(flow.stderr).toBe('');
      const result = JSON.parse(flow.stdout) as Record<string, unknown>;
      expect(result.confirmed).toBe('true');
      expect(result.verifier).toMatch(/^\d{8}$/);
      expect(result.me_status).toBe(200);
      expect(result.me).toEqual({
        user: 'bob',
        application: 'Python client',
        scopes: ['read_public', 'read_private', 'write_private'],
        two_legged: false,
      });
      expect(result.note_status).toBe(201);
      expect(result.notes).toMatchObject({ notes: [{ user: 'bob', text: 'from python: 100% ~ +' }] });
      // One JSON line per request on stderr, without the request's credentials. The flow ran while
      // this process waited for it, so the server's lines are read now.
      for (let waited = 0; !output.includes('"url":"/api/v1/me') && waited < 5000; waited += 50)
        await new Promise((resolve) => setTimeout(resolve, 50));
      const logged = output
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      const me = logged.find((line) => line.msg === 'request' && String(line.url).startsWith('/api/v1/me'));
      expect(me).toMatchObject({ method: 'GET', status: 200 });
      expect(output).not.toContain(consumer.secret);
      expect(output).not.toContain('oauth_signature=');
    });

    it('logs no secret of a query whose names are percent-encoded', async () => {
      const secret = 'consumer-secret-in-the-query';
      const names = ['oauth%5Fsignature', 'OAuth_Signature', 'oauth_verifier%', 'oauth_token%5fsecret'];
      const query = names.map((name, i) => `${name}=${secret}${i}`).join('&');
      // The stray "%" makes it a parameter_rejected; the line is logged all the same.
      expect((await fetch(`${base}/api/v1/me?probe=encoded&${query}`)).status).toBe(400);
      for (let waited = 0; !output.includes('probe=encoded') && waited < 5000; waited += 50)
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect(output).toContain('probe=encoded');
      expect(output).not.toContain(secret);
    });

    it('shuts down cleanly on SIGTERM', async () => {
      if (server.pid === undefined) throw new Error('no server');
      // npm exits at once on SIGTERM; the server (its child) holds the pipes until it has shut down.
      const closed = Promise.all(
        [server.stdout, server.stderr].map(
          (stream) => new Promise((resolve) => stream?.once('close', resolve)),
        ),
      );
      process.kill(-server.pid, 'SIGTERM');
      await closed;
      expect(output).toContain('Shutting down.');
      expect(output).not.toMatch(/"level":50/);
    });
  },
);
