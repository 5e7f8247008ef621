/**
 * Every published package is fit to publish: a LICENSE, a README, `repository` with its
 * `directory`, `engines`, `files`, and `exports` whose every entry has its types; publint and
 * @arethetypeswrong/cli find nothing (attw with the `esm-only` profile: the packages are ES modules
 * only, so the CommonJS resolutions it would otherwise try, node10 and node16-from-CJS, are not
 * theirs to pass); every package's `engines` is true of each package it depends on or peers; and
 * `npm install --engine-strict` succeeds on this Node. Packs the built packages (`npm test` builds
 * first).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { publint } from 'publint';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const PACKAGES = readdirSync(join(ROOT, 'packages'));

interface Manifest {
  readonly name: string;
  readonly license?: string;
  readonly repository?: { readonly type: string; readonly url: string; readonly directory?: string };
  readonly engines?: { readonly node?: string };
  readonly files?: readonly string[];
  readonly exports?: Record<string, string | { readonly types?: string; readonly default?: string }>;
  readonly dependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly peerDependenciesMeta?: Record<string, { readonly optional?: boolean }>;
}

const manifestOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;

describe.each(PACKAGES)('the package in packages/%s', (folder) => {
  const dir = join(ROOT, 'packages', folder);
  const manifest = manifestOf(dir);

  it('has a LICENSE, a README, repository with its directory, engines, files and typed exports', () => {
    expect(existsSync(join(dir, 'LICENSE'))).toBe(true);
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toContain(`# ${manifest.name}`);
    expect(manifest.license).toBe('MIT');
    expect(manifest.repository).toMatchObject({ type: 'git', directory: `packages/${folder}` });
    expect(semver.validRange(manifest.engines?.node ?? '')).toBeTruthy();
    expect(manifest.files).toContain('dist');
    for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
      if (subpath === './package.json') continue;
      const entry = typeof target === 'string' ? {} : target;
      expect(entry.types, subpath).toMatch(/\.d\.ts$/);
      expect(entry.default, subpath).toMatch(/\.js$/);
    }
  });

  it('passes publint, strictly', async () => {
    const { messages } = await publint({ pkgDir: dir, strict: true, level: 'suggestion', pack: 'npm' });
    expect(messages).toEqual([]);
  });

  it('passes @arethetypeswrong/cli for ES-module-only packages', () => {
    const attw = spawnSync(
      join(ROOT, 'node_modules/.bin/attw'),
      ['--pack', dir, '--profile', 'esm-only', '--format', 'json'],
      { encoding: 'utf8', timeout: 120_000 },
    );
    expect(attw.status, attw.stdout + attw.stderr).toBe(0);
  });
});

/** Every package `name` needs installed, found as node would from `from`, and what they need. */
function closure(name: string, from: string, seen = new Map<string, string>()): Map<string, string> {
  let manifestPath: string;
  try {
    manifestPath = createRequire(join(from, 'noop.js')).resolve(`${name}/package.json`);
  } catch {
    // A package whose exports do not list its package.json: found by its folder instead.
    let folder = from;
    for (;;) {
      const candidate = join(folder, 'node_modules', name, 'package.json');
      if (existsSync(candidate)) {
        manifestPath = candidate;
        break;
      }
      if (dirname(folder) === folder) throw new Error(`${name} is not installed (from ${from})`);
      folder = dirname(folder);
    }
  }
  if (seen.has(manifestPath)) return seen;
  const manifest = manifestOf(dirname(manifestPath));
  seen.set(manifestPath, manifest.engines?.node ?? '*');
  const optional = manifest.peerDependenciesMeta ?? {};
  const needed = [
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}).filter((peer) => optional[peer]?.optional !== true),
  ];
  for (const dependency of needed) closure(dependency, dirname(manifestPath), seen);
  return seen;
}

describe('engines', () => {
  it.each(PACKAGES)('of packages/%s are true of every package it installs', (folder) => {
    const dir = join(ROOT, 'packages', folder);
    const ours = manifestOf(dir).engines?.node ?? '';
    const wrong = [...closure(manifestOf(dir).name, dir)]
      .filter(([, theirs]) => !semver.subset(ours, theirs))
      .map(([path, theirs]) => `${path.slice(ROOT.length)} wants node ${theirs}`);
    expect(wrong).toEqual([]);
  });

  it('let npm install --engine-strict succeed on this Node', () => {
    const install = spawnSync(
      'npm',
      ['install', '--engine-strict', '--dry-run', '--prefer-offline', '--no-audit', '--no-fund'],
      { cwd: ROOT, encoding: 'utf8', timeout: 120_000 },
    );
    expect(install.status, install.stderr).toBe(0);
  });
});

describe('the source aliases', () => {
  it('name in tsconfig.json exactly the sources every package export is built from', () => {
    const { compilerOptions } = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8')) as {
      compilerOptions: { paths: Record<string, string[]> };
    };
    const expected: Record<string, string[]> = {};
    for (const folder of PACKAGES) {
      const manifest = manifestOf(join(ROOT, 'packages', folder));
      for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
        if (typeof target === 'string' || target.default === undefined) continue;
        const source = target.default.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts');
        expect(existsSync(join(ROOT, 'packages', folder, source)), source).toBe(true);
        expected[subpath === '.' ? manifest.name : `${manifest.name}${subpath.slice(1)}`] = [
          `./packages/${folder}/${source}`,
        ];
      }
    }
    expect(compilerOptions.paths).toEqual(expected);
  });
});
