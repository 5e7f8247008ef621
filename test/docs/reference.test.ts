/**
 * docs/reference/ is generated from the sources (`npm run docs:reference`, scripts/docs-reference.mjs)
 * and committed: regenerated here into a temporary directory, it must come out the same, so that it
 * cannot drift from the doc comments. Every option in it has a description and a default, and every
 * entry point of the library and the stores has its page.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const committed = join(root, 'docs', 'reference');
const fresh = mkdtempSync(join(tmpdir(), 'countersign-reference-'));
let generator: { code: number; output: string };

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

/** The rows of the options tables: the heading they are under, and their cells. */
function optionRows(markdown: string): { set: string; cells: string[] }[] {
  let set = '';
  const rows: { set: string; cells: string[] }[] = [];
  for (const line of markdown.split('\n')) {
    if (line.startsWith('### ')) set = line.slice(4);
    if (!line.startsWith('| `')) continue;
    const cells = line.split(/(?<!\\)\|/).slice(1, -1);
    rows.push({ set, cells: cells.map((text) => text.trim()) });
  }
  return rows;
}

beforeAll(async () => {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [join(root, 'scripts', 'docs-reference.mjs'), fresh],
      { cwd: root },
    );
    generator = { code: 0, output: `${stdout}${stderr}` };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    generator = { code: failed.code ?? 1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}, 120_000);

afterAll(() => rmSync(fresh, { recursive: true, force: true }));

describe('docs/reference', () => {
  it('is generated without an option lacking a description or a default', () => {
    expect(generator.code, generator.output).toBe(0);
  });

  it('is what `npm run docs:reference` makes of the sources', () => {
    const made = filesUnder(fresh);
    const kept = filesUnder(committed);
    const differing = made.filter(
      (file) =>
        kept.includes(file) &&
        readFileSync(join(fresh, file), 'utf8') !== readFileSync(join(committed, file), 'utf8'),
    );
    const drift = [
      ...made.filter((file) => !kept.includes(file)).map((file) => `missing: ${file}`),
      ...kept.filter((file) => !made.includes(file)).map((file) => `stale: ${file}`),
      ...differing.map((file) => `differs: ${file}`),
    ];
    expect(drift, 'docs/reference is out of date: run `npm run docs:reference`').toEqual([]);
  });

  it('gives every option a type, a default and a description', () => {
    const rows = optionRows(readFileSync(join(fresh, 'options.md'), 'utf8'));
    expect(rows.map((row) => row.set)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('`CreateProviderOptions`'),
        expect.stringContaining('`NodeAdapterOptions`'),
        expect.stringContaining('`ExpressAdapterOptions`'),
        expect.stringContaining('`FastifyAdapterOptions`'),
        expect.stringContaining('`FetchAdapterOptions`'),
        expect.stringContaining('`SqliteStoreOptions`'),
        expect.stringContaining('`PostgresStoreOptions`'),
        expect.stringContaining('`new RedisNonceStore(…, options)`'),
      ]),
    );
    const createProvider = rows.filter((row) => row.set.includes('`CreateProviderOptions`'));
    expect(createProvider.map((row) => row.cells[0])).toEqual(
      expect.arrayContaining(['`store`', '`timestampWindow`', '`onProblem`', '`parameterLimit`']),
    );
    const incomplete = rows
      .filter((row) => row.cells.length !== 4 || row.cells.some((cell) => cell === '' || cell === '—'))
      .map((row) => `${row.set} ${row.cells[0] ?? ''}`);
    expect(incomplete).toEqual([]);
  });

  it('has a page for every entry point in the packages’ exports', () => {
    const index = readFileSync(join(fresh, 'README.md'), 'utf8');
    for (const folder of ['countersign', 'sqlite', 'postgres', 'redis']) {
      const manifest = JSON.parse(readFileSync(join(root, 'packages', folder, 'package.json'), 'utf8')) as {
        name: string;
        exports: Record<string, unknown>;
      };
      for (const subpath of Object.keys(manifest.exports).filter((path) => !path.endsWith('.json'))) {
        const specifier = subpath === '.' ? manifest.name : `${manifest.name}${subpath.slice(1)}`;
        expect(index).toContain(`[${specifier}](${specifier}/README.md)`);
        expect(existsSync(join(fresh, specifier, 'README.md')), specifier).toBe(true);
      }
    }
  });
});
