/**
 * The layering of src/: every import points down. Core (pure RFC 5849) imports nothing of the
 * project outside itself; problems sit on core; the engine on both; stores and adapters on the
 * engine; the reference server and CLI on top. Read from the imports themselves, with the
 * TypeScript pre-processor (so comments and strings that look like imports do not count).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');

/** The folders of src/ each folder may import from (itself included). */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  core: ['core'],
  problems: ['problems', 'core'],
  provider: ['provider', 'problems', 'core'],
  stores: ['stores', 'provider', 'problems', 'core'],
  http: ['http', 'provider', 'problems', 'core'],
  client: ['client', 'problems', 'core'],
  lti: ['lti', 'client', 'provider', 'problems', 'core'],
};

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The top folder of src/ a path is in (`index.ts` at the root is its own). */
const layerOf = (path: string) => relative(SRC, path).split(sep)[0] as string;

/** Every project import of every file in src/, as `from → to` folder pairs with the files. */
function projectImports(): { file: string; from: string; to: string }[] {
  return sourceFiles(SRC).flatMap((file) => {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    return importedFiles
      .filter(({ fileName }) => fileName.startsWith('.'))
      .map(({ fileName }) => ({
        file: relative(SRC, file),
        from: layerOf(file),
        to: layerOf(resolve(dirname(file), fileName)),
      }));
  });
}

describe('layering', () => {
  const imports = projectImports();

  it('reads the imports of every layer', () => {
    for (const layer of Object.keys(ALLOWED)) expect(imports.some((i) => i.from === layer)).toBe(true);
  });

  it.each(Object.entries(ALLOWED))('%s imports only from %j', (layer, allowed) => {
    const upward = imports.filter((i) => i.from === layer && !allowed.includes(i.to));
    expect(upward.map((i) => `${i.file} → ${i.to}`)).toEqual([]);
  });
});
