/**
 * The CLI's consumer and token commands, which act through the engine's lifecycle operations: a
 * disabled consumer stays disabled, and revoking an unknown token is refused.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { registerViaCli, runCli, runCliRefused } from '../support/processes.js';

const dir = mkdtempSync(join(tmpdir(), 'countersign-admin-'));
const flags = ['--db', join(dir, 'admin.db')];

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('countersign consumer and token', () => {
  const { key } = registerViaCli(flags);

  it('suspends, resumes and disables a consumer, and a disabled one stays disabled', () => {
    expect(runCli(['consumer', 'suspend', key, ...flags])).toBe(`consumer ${key} suspended`);
    expect(runCli(['consumer', 'resume', key, ...flags])).toBe(`consumer ${key} active`);
    expect(runCli(['consumer', 'disable', key, ...flags])).toBe(`consumer ${key} disabled`);
    for (const action of ['resume', 'suspend']) {
      const refused = runCliRefused(['consumer', action, key, ...flags]);
      expect(refused.status).toBe(2);
      expect(refused.stderr).toMatch(/disabled/);
    }
    expect(runCli(['consumer', 'disable', key, ...flags])).toBe(`consumer ${key} disabled`);
  });

  it('refuses an unknown consumer and an unknown token with exit code 2', () => {
    expect(runCliRefused(['consumer', 'suspend', 'z'.repeat(32), ...flags]).status).toBe(2);
    expect(runCliRefused(['token', 'revoke', 't'.repeat(32), ...flags]).status).toBe(2);
  });
});
