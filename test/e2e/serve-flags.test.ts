/**
 * `countersign serve` refuses a bad proxy, timeout, connection or metrics flag at start, in one
 * line and with a non-zero exit, before it opens anything.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliRefused } from '../support/processes.js';

describe('countersign serve flags', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'countersign-flags-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    [['--trust-proxy', '--trust-proxy-hops', '2']],
    [['--trust-proxy-hops', '2', '--trust-proxy-from', '10.0.0.1']],
    [['--trust-proxy-hops', '0']],
    [['--trust-proxy-from', 'not-an-address']],
    [['--trust-proxy-from', '10.0.0.0/99']],
    [['--headers-timeout', '0']],
    [['--request-timeout', 'soon']],
    [['--keep-alive-timeout=-1']],
    [['--max-connections', '0']],
    [['--headers-timeout', '30', '--request-timeout', '10']],
    [['--metrics-port', '70000']],
    [['--metrics-token-file', '/nonexistent/token']],
    [['--metrics-token-file', '/dev/null']],
  ])('refuses %j in one line', (flags) => {
    const { status, stderr } = runCliRefused([
      'serve',
      '--db',
      join(dir, 'flags.db'),
      '--port',
      '0',
      ...flags,
    ]);
    expect(status).not.toBe(0);
    expect(status).not.toBeNull();
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });
});
