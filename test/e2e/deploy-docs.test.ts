/**
 * What docs/deploy.md tells an operator to install holds: its systemd unit passes
 * `systemd-analyze verify` without a warning and keeps a low exposure, and its environment file
 * names only variables `countersign serve` reads, and starts a server that is ready.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serveCommand } from '../../packages/server/src/cli/commands/serve.js';
import { startServer } from '../support/processes.js';

const root = new URL('../../', import.meta.url).pathname;
const DEPLOY = readFileSync(join(root, 'docs/deploy.md'), 'utf8');
const hasSystemd = existsSync('/usr/bin/systemd-analyze');
if (!hasSystemd && process.env.CI === 'true')
  throw new Error('CI needs systemd-analyze (the systemd package)');

/** The code block whose fence names `name` (```ini countersign.service). */
function block(name: string): string {
  const found = new RegExp('```\\w* ' + name.replace('.', '\\.') + '\\n([\\s\\S]*?)```').exec(DEPLOY)?.[1];
  if (found === undefined) throw new Error(`docs/deploy.md has no ${name} block`);
  return found;
}

const dir = mkdtempSync(join(tmpdir(), 'countersign-deploy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!hasSystemd)('the systemd unit', () => {
  // The installed paths of the unit, pointed at this checkout's node and command.
  const unit = block('countersign.service').replace(
    /^ExecStart=\S+ \S+/m,
    `ExecStart=${process.execPath} ${join(root, 'packages/server/bin/countersign.js')}`,
  );
  const file = join(dir, 'countersign.service');
  writeFileSync(file, unit);

  it('starts the server with its environment file, as a user of its own, sandboxed', () => {
    expect(unit).toMatch(/^User=countersign$/m);
    expect(unit).toMatch(/^EnvironmentFile=\/etc\/countersign\/countersign\.env$/m);
    expect(unit).toMatch(/^ExecStart=.* serve$/m);
    expect(unit).toMatch(/^ProtectSystem=strict$/m);
    expect(unit).toMatch(/^NoNewPrivileges=yes$/m);
  });

  it('passes systemd-analyze verify without a warning', () => {
    const verified = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
    expect(verified.stderr).toBe('');
    expect(verified.status).toBe(0);
  });

  it('keeps an exposure of at most 2 (of 10) in systemd-analyze security', () => {
    const rated = spawnSync('systemd-analyze', ['security', '--offline=yes', file], { encoding: 'utf8' });
    const exposure = Number(/Overall exposure level for \S+: ([\d.]+)/.exec(rated.stdout)?.[1]);
    expect(exposure).toBeLessThanOrEqual(2);
  });
});

describe('the environment file', () => {
  const lines = block('countersign.env')
    .split('\n')
    .map((line) => line.replace(/^# (?=[A-Z_]+=)/, ''))
    .filter((line) => /^[A-Z_]+=/.test(line));
  const read = new Set([
    ...Object.values(serveCommand.options).map((option) => option.env),
    ...(serveCommand.environment ?? []).map((variable) => variable.name),
  ]);

  it('names only variables countersign serve reads', () => {
    expect(lines.length).toBeGreaterThan(5);
    expect(lines.map((line) => line.split('=')[0]).filter((name) => !read.has(name))).toEqual([]);
  });

  it('starts a server that is ready, with its metrics on a port of their own', async () => {
    const env: Record<string, string> = {};
    for (const line of block('countersign.env').split('\n')) {
      const match = /^([A-Z_]+)=(.*)$/.exec(line);
      if (match) env[match[1] as string] = match[2] as string;
    }
    // This machine's paths and ports in place of the server's.
    Object.assign(env, {
      PORT: '0',
      COUNTERSIGN_DB: join(dir, 'countersign.db'),
      COUNTERSIGN_METRICS_PORT: '0',
    });
    const server = await startServer([], env);
    try {
      const ready = await fetch(`${server.url.replace('localhost', '127.0.0.1')}/readyz`);
      expect(await ready.json()).toEqual({ status: 'ready', store: 'up' });
      // The main listener leaves /metrics to the listener of its own.
      expect((await fetch(`${server.url.replace('localhost', '127.0.0.1')}/metrics`)).status).toBe(404);
    } finally {
      await server.stop();
    }
  });
});
