/**
 * The layering of the packages: every import points down. Inside the library, core (pure RFC 5849)
 * imports nothing of the project outside itself; problems sit on core; the engine on both; the
 * memory store, the store kit, the adapters and the testing suite on the engine. Between packages,
 * the stores import the library only, and the reference server imports the library and the stores;
 * no relative import leaves its package, and every package a source imports is one its manifest
 * declares. Read from the imports themselves, with the TypeScript pre-processor (so comments and
 * strings that look like imports do not count).
 */
import { builtinModules } from 'node:module';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const PACKAGES = resolve(import.meta.dirname, '../../packages');
const LIBRARY_SRC = join(PACKAGES, 'countersign', 'src');

/** The folders of the library's src/ each folder may import from (itself included). */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  core: ['core'],
  problems: ['problems', 'core'],
  provider: ['provider', 'problems', 'core'],
  stores: ['stores', 'provider', 'problems', 'core'],
  http: ['http', 'provider', 'problems', 'core'],
  client: ['client', 'problems', 'core'],
  lti: ['lti', 'client', 'provider', 'problems', 'core'],
  testing: ['testing', 'provider'],
};

/** The workspace packages each package may import (by name). */
const PACKAGE_IMPORTS: Readonly<Record<string, readonly string[]>> = {
  countersign: [],
  '@countersign/sqlite': ['countersign'],
  '@countersign/postgres': ['countersign'],
  '@countersign/redis': ['countersign'],
  '@countersign/server': [
    'countersign',
    '@countersign/sqlite',
    '@countersign/postgres',
    '@countersign/redis',
  ],
};

interface Manifest {
  readonly name: string;
  readonly dependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
}

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const importsOf = (file: string) =>
  ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles.map((i) => i.fileName);

/** `countersign/fastify` → `countersign`, `@countersign/sqlite` → itself. */
const packageName = (specifier: string) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

const BUILTIN = new Set(builtinModules);

const packages = readdirSync(PACKAGES).map((folder) => ({
  folder: join(PACKAGES, folder),
  manifest: JSON.parse(readFileSync(join(PACKAGES, folder, 'package.json'), 'utf8')) as Manifest,
}));

describe('layering between packages', () => {
  it('knows every package', () => {
    expect(packages.map((p) => p.manifest.name).sort()).toEqual(Object.keys(PACKAGE_IMPORTS).sort());
  });

  it.each(packages.map((p) => [p.manifest.name, p] as const))(
    '%s imports only what points down and what it declares',
    (name, { folder, manifest }) => {
      const declared = new Set([
        ...Object.keys(manifest.dependencies ?? {}),
        ...Object.keys(manifest.peerDependencies ?? {}),
      ]);
      const wrong: string[] = [];
      for (const file of sourceFiles(join(folder, 'src'))) {
        const where = relative(PACKAGES, file);
        for (const specifier of importsOf(file)) {
          if (specifier.startsWith('.')) {
            const target = resolve(dirname(file), specifier);
            if (!target.startsWith(join(folder, 'src') + sep))
              wrong.push(`${where} → ${specifier} (outside)`);
            continue;
          }
          if (specifier.startsWith('node:') || BUILTIN.has(specifier)) continue;
          const imported = packageName(specifier);
          if (imported in PACKAGE_IMPORTS && !PACKAGE_IMPORTS[name]?.includes(imported))
            wrong.push(`${where} → ${specifier} (upward)`);
          else if (!declared.has(imported)) wrong.push(`${where} → ${specifier} (undeclared)`);
        }
      }
      expect(wrong).toEqual([]);
    },
  );
});

describe('layering inside the library', () => {
  /** The top folder of the library's src/ a path is in (`index.ts` at the root is its own). */
  const layerOf = (path: string) => relative(LIBRARY_SRC, path).split(sep)[0] as string;
  const imports = sourceFiles(LIBRARY_SRC).flatMap((file) =>
    importsOf(file)
      .filter((specifier) => specifier.startsWith('.'))
      .map((specifier) => ({
        file: relative(LIBRARY_SRC, file),
        from: layerOf(file),
        to: layerOf(resolve(dirname(file), specifier)),
      })),
  );

  it('reads the imports of every layer', () => {
    for (const layer of Object.keys(ALLOWED)) expect(imports.some((i) => i.from === layer)).toBe(true);
  });

  it.each(Object.entries(ALLOWED))('%s imports only from %j', (layer, allowed) => {
    const upward = imports.filter((i) => i.from === layer && !allowed.includes(i.to));
    expect(upward.map((i) => `${i.file} → ${i.to}`)).toEqual([]);
  });
});
