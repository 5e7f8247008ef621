/**
 * The CLI's consumer and token commands, which act through the engine's lifecycle operations: a
 * disabled consumer stays disabled, and revoking an unknown token is refused.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../packages/server/src/cli/open-store.js';
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

describe('countersign consumer add --lti', () => {
  const lti = (...args: string[]) => [
    'consumer',
    'add',
    '--name',
    'Moodle',
    '--owner',
    'bob',
    '--lti',
    ...args,
  ];

  it('registers an LMS under the key its administrator chose, and prints the key and secret', async () => {
    const printed = JSON.parse(runCli([...lti('--key', 'moodle-school-a', '--json'), ...flags])) as {
      key: string;
      secret: string;
    };
    expect(printed.key).toBe('moodle-school-a');
    expect(printed.secret).toMatch(/^[a-z0-9]{32}$/);
    const opened = await openStore({ db: join(dir, 'admin.db') });
    try {
      expect(await opened.store.getConsumer('moodle-school-a')).toMatchObject({
        lti: true,
        twoLegged: false,
        callback: 'oob',
        scopes: [],
        signatureMethods: ['HMAC-SHA1'],
        owner: 'bob',
        secret: printed.secret,
      });
    } finally {
      await opened.close();
    }
  });

  it('draws a key when none is chosen, and takes --methods', () => {
    const printed = JSON.parse(runCli([...lti('--methods', 'HMAC-SHA256', '--json'), ...flags])) as {
      key: string;
    };
    expect(printed.key).toMatch(/^[a-z0-9]{32}$/);
  });

  it.each([
    [['--key', 'moodle-school-a'], /already exists/],
    [['--key', 'has space'], /key must be 1 to 255 printable ASCII characters, without spaces/],
    [['--key', 'k'.repeat(256)], /key must be 1 to 255/],
    [['--callback', 'oob'], /--lti registers an LMS, which sends launches only/],
    [['--scopes', 'read_public'], /takes no --callback, --scopes or --two-legged/],
  ])('refuses %j with one line and exit code 2', (args, message) => {
    const refused = runCliRefused([...lti(...args), ...flags]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(message);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
  });
});
