/**
 * The tests run against the TypeScript sources: every package name the sources and tests import
 * (`countersign`, `countersign/fastify`, `@countersign/sqlite`, …) is aliased to the source file
 * its `exports` entry is built from (`./dist/x.js` → `./src/x.ts`), so no build is needed first.
 * The suites that start the CLI as a process (`packages/server/dist/cli/main.js`) need the build,
 * which `npm test` makes before it runs them.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

const packages = join(import.meta.dirname, 'packages');

function sourceAliases(): { find: RegExp; replacement: string }[] {
  return readdirSync(packages).flatMap((folder) => {
    const manifest = JSON.parse(readFileSync(join(packages, folder, 'package.json'), 'utf8')) as {
      name: string;
      exports: Record<string, string | { default: string }>;
    };
    return Object.entries(manifest.exports).flatMap(([subpath, target]) => {
      if (typeof target === 'string') return [];
      const specifier = subpath === '.' ? manifest.name : `${manifest.name}${subpath.slice(1)}`;
      const source = target.default.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts');
      return [
        {
          find: new RegExp(`^${specifier.replace(/[/.]/g, '\\$&')}$`),
          replacement: join(packages, folder, source),
        },
      ];
    });
  });
}

export default defineConfig({
  resolve: { alias: sourceAliases() },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    // Set-ups start servers and Chromium, slower when the whole suite runs on two cores at once.
    hookTimeout: 60_000,
  },
});
