/**
 * The server runs without this repository: the packages packed with `npm pack` and installed into
 * an empty directory give a `countersign` that `npx` runs — its version, the admin commands, and
 * `serve`, which answers `/readyz` and a signed request, and stops cleanly on SIGTERM.
 *
 * The install skips install scripts: the one package that has one, better-sqlite3, would compile
 * its native binding (its prebuilt binaries are downloaded from GitHub, out of reach here), which
 * takes minutes; the binding this checkout built for the same version is copied in instead.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OAuthClient } from '../../packages/countersign/src/client/oauth-client.js';

const root = new URL('../../', import.meta.url).pathname;
const manifest = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as { version: string };

/** Runs a command to its end; its exit code and output. */
function run(command: string, args: string[], cwd: string, input = '') {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(command, args, { cwd, env: process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.end(input);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('the packed packages, installed without the repository', () => {
  let dir: string;
  let app: string;
  const npx = (args: string[], input = '') => run('npx', ['--no', '--', 'countersign', ...args], app, input);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'countersign-packed-'));
    app = join(dir, 'app');
    mkdirSync(app);
    const packed = await run('npm', ['pack', '--workspaces', '--pack-destination', dir, '--silent'], root);
    expect(packed.status, packed.stderr).toBe(0);
    const tarballs = readdirSync(dir).filter((name) => name.endsWith('.tgz'));
    expect(tarballs).toHaveLength(5);
    writeFileSync(join(app, 'package.json'), '{ "private": true }\n');
    const sqlite = join(root, 'node_modules/better-sqlite3');
    const installed = await run(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--ignore-scripts',
        '--no-audit',
        '--no-fund',
        ...tarballs.map((name) => join(dir, name)),
        `better-sqlite3@${manifest(join(sqlite, 'package.json')).version}`,
      ],
      app,
    );
    expect(installed.status, installed.stderr).toBe(0);
    const binding = 'build/Release/better_sqlite3.node';
    mkdirSync(join(app, 'node_modules/better-sqlite3/build/Release'), { recursive: true });
    copyFileSync(join(sqlite, binding), join(app, 'node_modules/better-sqlite3', binding));
  }, 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('installs the built command, not the sources', () => {
    const server = join(app, 'node_modules/@countersign/server');
    expect(existsSync(join(server, 'bin/countersign.js'))).toBe(true);
    expect(existsSync(join(server, 'dist/cli/main.js'))).toBe(true);
    expect(existsSync(join(server, 'src'))).toBe(false);
    expect(existsSync(join(app, 'node_modules/.bin/countersign'))).toBe(true);
  });

  it('prints its version and its help through npx', async () => {
    const { version } = manifest(join(root, 'packages/server/package.json'));
    expect(await npx(['--version'])).toMatchObject({ status: 0, stdout: `countersign ${version}\n` });
    const help = await npx(['serve', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('[env: DATABASE_URL]');
  });

  it('serves: ready, a signed request answered, and a clean stop on SIGTERM', async () => {
    const db = ['--db', join(dir, 'data/countersign.db')];
    expect(
      (await npx(['user', 'add', 'bob', '--password-stdin', ...db], 'correct horse battery\n')).status,
    ).toBe(0);
    const added = await npx([
      'consumer',
      'add',
      '--name',
      'Packed',
      '--owner',
      'bob',
      '--callback',
      'oob',
      '--scopes',
      'read_public',
      '--two-legged',
      '--json',
      ...db,
    ]);
    expect(added.status, added.stderr).toBe(0);
    const consumer = JSON.parse(added.stdout) as { key: string; secret: string };

    const server: ChildProcess = spawn('npx', ['--no', '--', 'countersign', 'serve', '--port', '0', ...db], {
      cwd: app,
      env: process.env,
      detached: true,
    });
    let output = '';
    const exited = new Promise<number | null>((resolve) => server.once('exit', resolve));
    try {
      const base = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`not serving: ${output}`)), 20_000);
        server.stdout?.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /serving on (\S+)/.exec(output);
          if (match?.[1]) {
            clearTimeout(timer);
            resolve(match[1].replace('localhost', '127.0.0.1'));
          }
        });
        server.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      });
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      const client = new OAuthClient({ consumerKey: consumer.key, consumerSecret: consumer.secret });
      const me = await client.fetch(`${base}/api/v1/me`);
      expect(me.status).toBe(200);
      expect(await me.json()).toMatchObject({ application: 'Packed', two_legged: true });
    } finally {
      if (server.pid !== undefined) process.kill(-server.pid, 'SIGTERM');
    }
    await exited;
    expect(output).toContain('Shutting down.');
  });
});
