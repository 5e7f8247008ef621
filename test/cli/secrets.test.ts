/**
 * The CLI and the keys of the store's secrets: the data directory, database and generated key file
 * of a first start are private; the admin commands find the key beside the database, or take
 * `--key-file` / `COUNTERSIGN_SECRET_KEY`; a wrong key or PostgreSQL without one stops with one
 * line; and `secrets rotate` lets an old key be removed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDatabase, hasPostgres } from '../support/services.js';

const cli = new URL('../../packages/server/dist/cli/main.js', import.meta.url).pathname;

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; input?: string } = {},
): Run {
  const env = { ...process.env, ...options.env };
  delete env.COUNTERSIGN_KEY_FILE;
  if (!options.env?.COUNTERSIGN_SECRET_KEY) delete env.COUNTERSIGN_SECRET_KEY;
  const result = spawnSync(process.execPath, [cli, ...args], {
    encoding: 'utf8',
    cwd: options.cwd,
    env,
    input: options.input ?? '',
    // A command that should stop at once but serves instead must not hang the suite.
    timeout: 30_000,
  });
  return { status: result.status, stdout: result.stdout.trim(), stderr: result.stderr.trim() };
}

/** A failure as the CLI contract has it: exit code 2 and one line, no stack trace. */
function expectOneLineRefusal(result: Run, command: string): void {
  expect(result.status).toBe(2);
  expect(result.stderr.split('\n')).toHaveLength(1);
  expect(result.stderr.startsWith(`countersign ${command}: `)).toBe(true);
  expect(result.stderr).not.toMatch(/\bat .*\.js:\d+/);
}

const modeOf = (path: string) => statSync(path).mode & 0o777;
/** Each test runs the CLI several times, a node process each. */
const SLOW = 60_000;
const newKey = () => (run(['secrets', 'generate']).stdout.split('\n')[0] ?? '').trim();

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'countersign-cli-secrets-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('countersign with SQLite and no key given', () => {
  it(
    'makes ./data/ 0700, the database 0600 and a key file 0600 beside it, and finds the key again',
    () => {
      const added = run(['user', 'add', 'bob', '--password-stdin'], {
        cwd: dir,
        input: 'correct horse battery\n',
      });
      expect(added.status).toBe(0);
      expect(modeOf(join(dir, 'data'))).toBe(0o700);
      expect(modeOf(join(dir, 'data', 'countersign.db'))).toBe(0o600);
      expect(modeOf(join(dir, 'data', 'countersign.key'))).toBe(0o600);
      const consumer = run(
        ['consumer', 'add', '--name', 'App', '--owner', 'bob', '--callback', 'oob', '--json'],
        {
          cwd: dir,
        },
      );
      expect(consumer.status).toBe(0);
      const { key, secret } = JSON.parse(consumer.stdout) as { key: string; secret: string };
      expect(readFileSync(join(dir, 'data', 'countersign.db')).toString('latin1')).not.toContain(secret);
      expect(run(['consumer', 'suspend', key, '--db', join(dir, 'data', 'countersign.db')]).status).toBe(0);
    },
    SLOW,
  );

  it(
    'refuses with one line a key file that is not the database key, and leaves no key file of its own',
    () => {
      const db = join(dir, 'app.db');
      expect(
        run(['user', 'add', 'bob', '--password-stdin', '--db', db], { input: 'correct horse battery\n' })
          .status,
      ).toBe(0);
      expect(existsSync(join(dir, 'app.key'))).toBe(true);
      const other = join(dir, 'other.key');
      writeFileSync(other, `${newKey()}\n`, { mode: 0o600 });
      expectOneLineRefusal(run(['user', 'suspend', 'bob', '--db', db, '--key-file', other]), 'user');
      expectOneLineRefusal(
        run(['user', 'suspend', 'bob', '--db', db], { env: { COUNTERSIGN_SECRET_KEY: newKey() } }),
        'user',
      );
      // The key beside the database gone: a new one is not left in its place.
      rmSync(join(dir, 'app.key'));
      expectOneLineRefusal(run(['user', 'suspend', 'bob', '--db', db]), 'user');
      expect(existsSync(join(dir, 'app.key'))).toBe(false);
    },
    SLOW,
  );

  it(
    'refuses a key file that holds no key, naming it in one line',
    () => {
      const bad = join(dir, 'bad.key');
      writeFileSync(bad, 'not a key\n');
      const refused = run(['user', 'suspend', 'bob', '--db', join(dir, 'x.db'), '--key-file', bad]);
      expectOneLineRefusal(refused, 'user');
      expect(refused.stderr).toContain(bad);
    },
    SLOW,
  );
});

describe('countersign secrets rotate', () => {
  it(
    'seals everything under the new first key, so the old key can be removed',
    () => {
      const db = join(dir, 'app.db');
      const keyFile = join(dir, 'keys');
      const a = newKey();
      const b = newKey();
      writeFileSync(keyFile, `${a}\n`, { mode: 0o600 });
      const flags = ['--db', db, '--key-file', keyFile];
      expect(
        run(['user', 'add', 'bob', '--password-stdin', ...flags], { input: 'correct horse battery\n' })
          .status,
      ).toBe(0);
      const consumer = run([
        'consumer',
        'add',
        '--name',
        'App',
        '--owner',
        'bob',
        '--callback',
        'oob',
        '--json',
        ...flags,
      ]);
      const { key } = JSON.parse(consumer.stdout) as { key: string };
      writeFileSync(keyFile, `${b}\n${a}\n`);
      const rotated = run(['secrets', 'rotate', ...flags]);
      expect(rotated.status).toBe(0);
      writeFileSync(keyFile, `${b}\n`);
      expect(run(['consumer', 'suspend', key, ...flags]).status).toBe(0);
      // Before the rotation, B alone would not do: it is the rotation that lets A go.
      const db2 = join(dir, 'two.db');
      writeFileSync(keyFile, `${a}\n`);
      expect(
        run(['user', 'add', 'bob', '--password-stdin', '--db', db2, '--key-file', keyFile], {
          input: 'correct horse battery\n',
        }).status,
      ).toBe(0);
      writeFileSync(keyFile, `${b}\n`);
      expectOneLineRefusal(run(['user', 'suspend', 'bob', '--db', db2, '--key-file', keyFile]), 'user');
    },
    SLOW,
  );
});

describe.skipIf(!hasPostgres)('countersign with PostgreSQL', () => {
  it(
    'stops serve and the admin commands with one line when no key is given, and works with one',
    async () => {
      const database = await createDatabase();
      try {
        expectOneLineRefusal(run(['serve', '--port', '0', '--database-url', database.url]), 'serve');
        expectOneLineRefusal(
          run(['user', 'add', 'bob', '--password-stdin', '--database-url', database.url], {
            input: 'correct horse battery\n',
          }),
          'user',
        );
        const env = { COUNTERSIGN_SECRET_KEY: newKey() };
        expect(
          run(['user', 'add', 'bob', '--password-stdin', '--database-url', database.url], {
            env,
            input: 'correct horse battery\n',
          }).status,
        ).toBe(0);
        expect(run(['secrets', 'rotate', '--database-url', database.url], { env }).status).toBe(0);
        expectOneLineRefusal(
          run(['user', 'suspend', 'bob', '--database-url', database.url], {
            env: { COUNTERSIGN_SECRET_KEY: newKey() },
          }),
          'user',
        );
      } finally {
        await database.drop();
      }
    },
    SLOW,
  );
});
