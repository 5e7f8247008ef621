/**
 * The catalogue against the SPEC's fixed facts, and against docs/problems.md.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PROBLEM_LIST, PROBLEMS } from '../../packages/countersign/src/problems/catalogue.js';

const docs = readFileSync(new URL('../../docs/problems.md', import.meta.url), 'utf8');

describe('the catalogue', () => {
  it('holds codes 1 to 21 in order, each name once', () => {
    expect(PROBLEM_LIST.map((p) => p.code)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
    expect(new Set(PROBLEM_LIST.map((p) => p.problem)).size).toBe(21);
    for (const [key, entry] of Object.entries(PROBLEMS)) expect(entry.problem).toBe(key);
  });

  it('sends token_revoked, not the misprinted token_revoke', () => {
    expect(PROBLEMS.token_revoked.code).toBe(11);
    expect(PROBLEM_LIST.some((p) => p.problem === 'token_revoke')).toBe(false);
  });
});

describe('docs/problems.md', () => {
  const rows = [...docs.matchAll(/^\|\s*(\d+)\s*\|\s*(\w+)\s*\|\s*(\d{3})\s*\|(.*)\|$/gm)].map((m) => ({
    code: Number(m[1]),
    problem: m[2],
    status: Number(m[3]),
    extras: [...(m[4] ?? '').matchAll(/`(\w+)`/g)].map((x) => x[1]),
  }));

  it('has one table row per problem, agreeing on code, name, status and extras', () => {
    expect(rows).toEqual(
      PROBLEM_LIST.map((p) => ({
        code: p.code,
        problem: p.problem,
        status: p.status,
        extras: [...p.extras],
      })),
    );
  });

  it('explains every problem under its own heading, in code order', () => {
    const headings = [...docs.matchAll(/^### (\d+) (\w+)$/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(headings).toEqual(PROBLEM_LIST.map((p) => `${p.code} ${p.problem}`));
  });
});
