/**
 * Every code block of the guides in docs/guides/ runs as a test, as a reader would run it:
 * - a `ts` or `js` block is a complete module. It is written to `.artifacts/guides/` and imported
 *   here, so `countersign`, `countersign/express`, … resolve to the sources (the aliases of
 *   vitest.config.ts). It checks what it shows with `node:assert` and closes what it opens.
 * - an `sh` block runs with bash (`set -euo pipefail`) in a new temporary directory, with the built
 *   `countersign` command first on the PATH, and must exit 0.
 * - any other block (`text`, `json`, `http`, `sql`, …) is output or data that a guide shows; a guide
 *   whose `sql` must run has a test of its own that reads it from the guide.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const guides = join(root, 'docs', 'guides');
const artifacts = join(root, '.artifacts', 'guides');

export interface CodeBlock {
  readonly language: string;
  readonly code: string;
  /** The line of the opening fence, counted from 1. */
  readonly line: number;
}

/** The fenced code blocks of a Markdown text, in order. */
export function codeBlocks(markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const fence = /^```([\w-]*)[^\n]*\n([\s\S]*?)^```$/gm;
  for (const match of markdown.matchAll(fence)) {
    const line = markdown.slice(0, match.index).split('\n').length;
    blocks.push({ language: match[1] ?? '', code: match[2] ?? '', line });
  }
  return blocks;
}

function guideFiles(): string[] {
  try {
    return readdirSync(guides)
      .filter((name) => name.endsWith('.md'))
      .sort();
  } catch {
    return [];
  }
}

function runShell(code: string): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'countersign-guide-'));
  const bin = join(dir, '.bin');
  mkdirSync(bin);
  writeFileSync(
    join(bin, 'countersign'),
    `#!/bin/sh\nexec "${process.execPath}" "${join(root, 'packages/server/bin/countersign.js')}" "$@"\n`,
    { mode: 0o755 },
  );
  try {
    const result = spawnSync('bash', ['-c', `set -euo pipefail\n${code}`], {
      cwd: dir,
      env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` },
      encoding: 'utf8',
      // Under the test's own limit, so that a block that hangs fails with what it printed.
      timeout: 50_000,
    });
    const killed = result.error ? `\n(${result.error.message})` : '';
    return { status: result.status, output: `${result.stdout}${result.stderr}${killed}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the guides', () => {
  for (const name of guideFiles()) {
    const blocks = codeBlocks(readFileSync(join(guides, name), 'utf8'));
    describe(name, () => {
      blocks.forEach((block, index) => {
        if (block.language === 'ts' || block.language === 'js') {
          it(`runs its ${block.language} block at line ${block.line}`, async () => {
            mkdirSync(artifacts, { recursive: true });
            const file = join(artifacts, `${name.replace(/\.md$/, '')}-${index}.${block.language}`);
            writeFileSync(file, block.code);
            await import(/* @vite-ignore */ file);
          }, 60_000);
        } else if (block.language === 'sh') {
          it(`runs its sh block at line ${block.line}`, () => {
            const result = runShell(block.code);
            expect(result.status, result.output).toBe(0);
          }, 60_000);
        }
      });
    });
  }

  it('are all linked from docs/README.md', () => {
    const index = readFileSync(join(root, 'docs', 'README.md'), 'utf8');
    const unlisted = guideFiles().filter((name) => !index.includes(`](guides/${name})`));
    expect(unlisted).toEqual([]);
  });
});
