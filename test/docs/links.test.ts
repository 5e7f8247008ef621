/**
 * Every relative link of the README and the docs (docs/*.md, docs/guides/*.md, docs/reference/)
 * points at a file that exists and, when it names an anchor, at a heading of that file (GitHub's
 * anchors: the heading lower-cased, punctuation dropped, spaces as hyphens, repeats numbered).
 * A guide that docs/README.md lists before it is written is shown as a to-do, not a failure.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

function markdownFiles(dir: string, recursive = false): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive })
    .map(String)
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(dir, name))
    .sort();
}

const reference = join(root, 'docs', 'reference');
/** Each page written by hand is a test of its own; the generated reference is one test. */
const groups = [
  join(root, 'README.md'),
  ...markdownFiles(join(root, 'docs')),
  ...markdownFiles(join(root, 'docs', 'guides')),
].map((file) => ({ name: relative(root, file), files: [file] }));
groups.push({ name: 'docs/reference/', files: markdownFiles(reference, true) });

/** The text outside code: fenced blocks and inline code spans removed. */
const prose = (markdown: string) => markdown.replace(/^```[\s\S]*?^```$/gm, '').replace(/`[^`\n]*`/g, '');

/** The relative link targets of a Markdown text: inline links, images and reference definitions. */
export function relativeLinks(markdown: string): string[] {
  const text = prose(markdown);
  const inline = [...text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1] ?? '');
  const definitions = [...text.matchAll(/^\[[^\]]+\]:\s*(\S+)/gm)].map((m) => m[1] ?? '');
  return [...inline, ...definitions].filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

/** The anchors GitHub gives the headings of a Markdown text, and its explicit `id`s and `name`s. */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const found = new Set<string>();
  for (const [, heading] of markdown.replace(/^```[\s\S]*?^```$/gm, '').matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)) {
    const text = (heading ?? '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/<[^>]+>/g, '');
    const slug = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    found.add(count === 0 ? slug : `${slug}-${count}`);
  }
  for (const [, id] of markdown.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) found.add(id ?? '');
  return found;
}

/** What is wrong with each link of a file: `target: no such file` or `target: no such heading`. */
function brokenLinks(file: string, targets: readonly string[]): string[] {
  const broken: string[] = [];
  for (const target of targets) {
    const [path = '', anchor] = decodeURI(target).split('#');
    const resolved = path === '' ? file : join(dirname(file), path);
    if (!existsSync(resolved)) {
      broken.push(`${relative(root, file)}: ${target}: no such file`);
    } else if (anchor !== undefined && statSync(resolved).isFile() && resolved.endsWith('.md')) {
      if (!anchors(readFileSync(resolved, 'utf8')).has(anchor))
        broken.push(`${relative(root, file)}: ${target}: no such heading`);
    }
  }
  return broken;
}

describe('the links of the docs', () => {
  for (const group of groups) {
    const links = group.files.map((file) => ({
      file,
      targets: [...new Set(relativeLinks(readFileSync(file, 'utf8')))],
    }));
    if (links.every((link) => link.targets.length === 0)) continue;
    it(`${group.name}: every relative link reaches a file, and its anchor a heading`, () => {
      expect(links.flatMap((link) => brokenLinks(link.file, link.targets))).toEqual([]);
    });
  }

  it('read anchors and links as GitHub does', () => {
    expect([...anchors('# The tables\n## What it reports: /healthz and `/readyz`\n## The tables\n')]).toEqual(
      ['the-tables', 'what-it-reports-healthz-and-readyz', 'the-tables-1'],
    );
    expect(
      relativeLinks('[a](x.md#y) [b](https://e.org) `[c](z.md)`\n```\n[d](w.md)\n```\n[e]: v.md\n'),
    ).toEqual(['x.md#y', 'v.md']);
  });
});
