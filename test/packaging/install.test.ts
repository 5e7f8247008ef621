/**
 * The packages install alone. The library's packed tarball, installed into an empty project, adds
 * at most three packages (itself, negotiator and ipaddr.js), none with an install script or a
 * native build, and every subpath it exports imports and works with nothing else installed — a
 * provider on its memory store verifies a request its client signed, and an LTI launch. Each store's tarball,
 * installed with the library and its driver only, brings nothing of the server nor of the other
 * stores, and stores and reads a user. Packs the built packages (`npm test` builds first).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, hasPostgres, hasRedis, REDIS_URL } from '../support/services.js';

const ROOT = join(import.meta.dirname, '../..');
const INSTALL_TIMEOUT = 180_000;

/** What the server and the other stores bring, none of which a store may install. */
const SERVER_PACKAGES = [
  'fastify',
  'prom-client',
  '@countersign/server',
  'express',
  '@zxcvbn-ts/language-common',
];

let dir = '';
const tarballs: Record<string, string> = {};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'countersign-install-'));
  for (const folder of ['countersign', 'sqlite', 'postgres', 'redis']) {
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--pack-destination', dir], {
        cwd: join(ROOT, 'packages', folder),
        encoding: 'utf8',
      }),
    ) as { filename: string }[];
    tarballs[folder] = join(dir, packed?.filename ?? '');
  }
}, INSTALL_TIMEOUT);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A new empty project with `specs` installed; the names of every package it holds. */
function project(name: string, specs: string[], options: { ignoreScripts?: boolean } = {}) {
  const where = join(dir, name);
  execFileSync('mkdir', ['-p', where]);
  writeFileSync(join(where, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }));
  const install = spawnSync(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--no-package-lock',
      ...(options.ignoreScripts ? ['--ignore-scripts'] : []),
      ...specs,
    ],
    { cwd: where, encoding: 'utf8', timeout: INSTALL_TIMEOUT },
  );
  expect(install.status, install.stderr).toBe(0);
  const lock = JSON.parse(readFileSync(join(where, 'node_modules/.package-lock.json'), 'utf8')) as {
    packages: Record<string, { version: string }>;
  };
  const installed = Object.keys(lock.packages).map((path) => path.replace(/^.*node_modules\//, ''));
  return { where, installed };
}

/** Runs an ES module in the project, with nothing but what it installed. */
function run(where: string, source: string): string {
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', source], {
    cwd: where,
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout.trim();
}

describe('the library installed from its tarball into an empty project', () => {
  let where = '';
  let installed: string[] = [];
  beforeAll(() => {
    ({ where, installed } = project('library-only', [tarballs.countersign ?? '']));
  }, INSTALL_TIMEOUT);

  it('adds at most three packages: itself, negotiator and ipaddr.js', () => {
    expect(installed.sort()).toEqual(['countersign', 'ipaddr.js', 'negotiator']);
  });

  it('runs no install script and builds nothing', () => {
    for (const name of installed) {
      const folder = join(where, 'node_modules', name);
      const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as {
        scripts?: Record<string, string>;
      };
      const scripts = Object.keys(manifest.scripts ?? {});
      expect(
        scripts.filter((s) => ['preinstall', 'install', 'postinstall'].includes(s)),
        name,
      ).toEqual([]);
      expect(existsSync(join(folder, 'binding.gyp')), name).toBe(false);
    }
  });

  it('imports every subpath it exports, with nothing else installed', () => {
    const manifest = JSON.parse(
      readFileSync(join(where, 'node_modules/countersign/package.json'), 'utf8'),
    ) as {
      exports: Record<string, unknown>;
    };
    const subpaths = Object.keys(manifest.exports)
      .filter((s) => s !== './package.json')
      .map((s) => (s === '.' ? 'countersign' : `countersign${s.slice(1)}`));
    expect(subpaths.sort()).toEqual(
      [
        'countersign',
        'countersign/client',
        'countersign/express',
        'countersign/fastify',
        'countersign/fetch',
        'countersign/lti',
        'countersign/node',
        'countersign/passport',
        'countersign/store-kit',
        'countersign/testing',
      ].sort(),
    );
    const loaded = run(
      where,
      `const names = ${JSON.stringify(subpaths)};
       for (const name of names) {
         const module = await import(name);
         if (Object.keys(module).length === 0) throw new Error(name + ' exports nothing');
       }
       console.log(names.length);`,
    );
    expect(loaded).toBe('10');
  });

  it('works as an LTI tool: countersign/lti verifies a launch signed as an LMS signs it, about:blank callback and all', () => {
    const answer = run(
      where,
      `import { createProvider, MemoryStore } from 'countersign';
       import { signRequest } from 'countersign/client';
       import { verifyLaunch } from 'countersign/lti';
       const provider = createProvider({ store: new MemoryStore() });
       const lms = await provider.registerConsumer({ name: 'Moodle', owner: 'me', lti: true, key: 'moodle-school-a' });
       const form = [
         ['lti_message_type', 'basic-lti-launch-request'],
         ['lti_version', 'LTI-1p0'],
         ['resource_link_id', 'link-1'],
         ['user_id', 'u-42'],
         ['roles', 'Instructor'],
       ];
       const { oauthParameters } = signRequest({
         method: 'POST', url: 'https://tool.test/lti/launch', form, consumerKey: lms.key,
         consumerSecret: lms.secret, extra: { oauth_callback: 'about:blank' },
       });
       const launch = await verifyLaunch(provider, {
         method: 'POST', target: '/lti/launch', secure: true,
         headers: { host: 'tool.test', 'content-type': 'application/x-www-form-urlencoded' },
         body: new URLSearchParams([...form, ...oauthParameters]).toString(),
       });
       console.log(JSON.stringify({ key: lms.key, userId: launch.userId, link: launch.resourceLink?.id }));`,
    );
    expect(JSON.parse(answer)).toEqual({ key: 'moodle-school-a', userId: 'u-42', link: 'link-1' });
  });

  it('works: a provider on its memory store verifies what its client signed, and renders a problem', () => {
    const answer = run(
      where,
      `import { createProvider, MemoryStore } from 'countersign';
       import { signRequest } from 'countersign/client';
       import { fetchAdapter } from 'countersign/fetch';
       const store = new MemoryStore();
       const provider = createProvider({ store });
       const consumer = await provider.registerConsumer({ name: 'App', owner: 'me', callback: 'oob', twoLegged: true });
       const url = 'http://api.test/me';
       const { authorization } = signRequest({ method: 'GET', url, consumerKey: consumer.key, consumerSecret: consumer.secret });
       const oauth = fetchAdapter(provider);
       const good = await oauth.protect(new Request(url, { headers: { authorization } }));
       const bad = await oauth.protect(new Request(url));
       console.log(JSON.stringify({ twoLegged: good.verified.twoLegged, status: bad.status, problem: bad.headers.get('www-authenticate') }));`,
    );
    const result = JSON.parse(answer) as { twoLegged: boolean; status: number; problem: string };
    expect([result.twoLegged, result.status]).toEqual([true, 400]);
    expect(result.problem).toContain('oauth_problem="parameter_absent"');
  });
});

describe('the stores installed from their tarballs, each with the library and its driver', () => {
  const driverVersion = (name: string) =>
    (
      JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;

  it('SQLite brings better-sqlite3 and nothing of the server nor the other stores, and works', () => {
    // The driver's own build (a native module) is taken from the workspace's install, the same
    // version, instead of being compiled again.
    const { where, installed } = project(
      'sqlite',
      [
        tarballs.countersign ?? '',
        tarballs.sqlite ?? '',
        `better-sqlite3@${driverVersion('better-sqlite3')}`,
      ],
      { ignoreScripts: true },
    );
    cpSync(
      join(ROOT, 'node_modules/better-sqlite3/build'),
      join(where, 'node_modules/better-sqlite3/build'),
      {
        recursive: true,
      },
    );
    expect(installed).toEqual(
      expect.arrayContaining(['countersign', '@countersign/sqlite', 'better-sqlite3']),
    );
    expect(installed.filter((n) => [...SERVER_PACKAGES, 'pg', 'ioredis'].includes(n))).toEqual([]);
    const answer = run(
      where,
      `import Database from 'better-sqlite3';
       import { SqliteStore } from '@countersign/sqlite';
       const db = new Database(':memory:');
       const store = new SqliteStore(db);
       await store.putUser({ name: 'ann', status: 'active', createdAt: 1 });
       const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all();
       console.log(JSON.stringify({ user: store.getUser('ann')?.name, prefixed: tables.every((t) => t.startsWith('countersign_')) }));`,
    );
    expect(JSON.parse(answer)).toEqual({ user: 'ann', prefixed: true });
  });

  it.skipIf(!hasPostgres)(
    'PostgreSQL brings pg and nothing of the server nor the other stores, and works',
    async () => {
      const { where, installed } = project('postgres', [
        tarballs.countersign ?? '',
        tarballs.postgres ?? '',
        `pg@${driverVersion('pg')}`,
      ]);
      expect(installed).toEqual(expect.arrayContaining(['countersign', '@countersign/postgres', 'pg']));
      expect(installed.filter((n) => [...SERVER_PACKAGES, 'better-sqlite3', 'ioredis'].includes(n))).toEqual(
        [],
      );
      const database = await createDatabase();
      try {
        const answer = run(
          where,
          `import { PostgresStore } from '@countersign/postgres';
         const store = await PostgresStore.connect(${JSON.stringify(database.url)});
         await store.putUser({ name: 'ann', status: 'active', createdAt: 1 });
         console.log((await store.getUser('ann')).name);
         await store.close();`,
        );
        expect(answer).toBe('ann');
      } finally {
        await database.drop();
      }
    },
  );

  it.skipIf(!hasRedis)(
    'Redis brings ioredis and nothing of the server nor the other stores, and works',
    () => {
      const { where, installed } = project('redis', [
        tarballs.countersign ?? '',
        tarballs.redis ?? '',
        `ioredis@${driverVersion('ioredis')}`,
      ]);
      expect(installed).toEqual(expect.arrayContaining(['countersign', '@countersign/redis', 'ioredis']));
      expect(installed.filter((n) => [...SERVER_PACKAGES, 'better-sqlite3', 'pg'].includes(n))).toEqual([]);
      const answer = run(
        where,
        `import { RedisNonceStore } from '@countersign/redis';
       const store = new RedisNonceStore(${JSON.stringify(REDIS_URL)}, { prefix: 'countersign-install-test:' + Math.random() + ':' });
       const now = Date.now();
       console.log(JSON.stringify([await store.recordNonce('n', now, now + 5000), await store.recordNonce('n', now, now + 5000)]));
       await store.close();`,
      );
      expect(JSON.parse(answer)).toEqual([true, false]);
    },
  );
});
