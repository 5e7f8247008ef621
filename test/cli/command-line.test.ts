/**
 * The command line made from the definitions: every command and subcommand answers `--help` on
 * stdout with exit code 0, `--version` prints the package's version, options come from flags, then
 * their environment variables, then defaults, and a bad flag or variable stops the command with
 * exit code 2 and one line naming it, never repeating the value.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMANDS, dispatch, everyCommand } from '../../packages/server/src/cli/command-tree.js';
import { serveCommand } from '../../packages/server/src/cli/commands/serve.js';
import { parseCommandLine } from '../../packages/server/src/cli/parse-command-line.js';

const cli = new URL('../../packages/server/dist/cli/main.js', import.meta.url).pathname;
const { version } = JSON.parse(
  readFileSync(new URL('../../packages/server/package.json', import.meta.url), 'utf8'),
) as {
  version: string;
};

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(process.execPath, [cli, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, ...env },
    timeout: 10_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `countersign ARGS` in this process, with `env` as its whole environment. */
async function inProcess(args: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const status = await dispatch(args, { out: (l) => out.push(l), err: (l) => err.push(l), env });
  return { status, stdout: out.join('\n'), stderr: err.join('\n') };
}

const serveValues = (args: string[], env: Record<string, string> = {}) =>
  parseCommandLine(serveCommand, args, env, 'countersign serve').values;

describe('--help and --version', () => {
  const paths = [
    ...everyCommand().map(([path]) => path),
    ...Object.entries(COMMANDS)
      .filter(([, entry]) => entry.kind === 'group')
      .map(([name]) => [name]),
  ];

  it.each(paths.map((path) => [path.join(' '), path]))('countersign %s --help', (_name, path) => {
    for (const flag of ['--help', '-h']) {
      const answer = run([...path, flag]);
      expect(answer.status).toBe(0);
      expect(answer.stderr).toBe('');
      expect(answer.stdout).toMatch(new RegExp(`^Usage:\\n  countersign ${path.join(' ')}`));
    }
  });

  it('lists every option of a command, with its default and variable', async () => {
    const { stdout } = await inProcess(['serve', '--help']);
    for (const [name, option] of Object.entries(serveCommand.options)) {
      expect(stdout).toContain(`--${name}`);
      if (option.env !== undefined) expect(stdout).toContain(`[env: ${option.env}]`);
    }
    expect(stdout).toMatch(/--port N\s+the port to listen on .*\[default: 3000\]\s+\[env: PORT\]/);
    expect(stdout).toContain('COUNTERSIGN_SECRET_KEY');
    expect(stdout).toContain('COUNTERSIGN_METRICS_TOKEN');
  });

  it('answers --help even beside a bad option, and help COMMAND the same', async () => {
    expect((await inProcess(['consumer', 'add', '--bogus', '--help'])).status).toBe(0);
    const viaHelp = await inProcess(['help', 'token', 'revoke']);
    expect(viaHelp.stdout).toBe((await inProcess(['token', 'revoke', '--help'])).stdout);
  });

  it('lists every command in countersign --help', () => {
    const answer = run(['--help']);
    expect(answer.status).toBe(0);
    for (const [path] of everyCommand()) expect(answer.stdout).toContain(`  ${path.join(' ')} `);
  });

  it("prints the package's version", () => {
    expect(run(['--version'])).toMatchObject({ status: 0, stdout: `countersign ${version}\n`, stderr: '' });
  });
});

describe('flags, variables and defaults', () => {
  it('takes a variable when the flag is not given, the flag when it is, and the default otherwise', () => {
    expect(serveValues([])).toMatchObject({ port: 3000, host: '127.0.0.1', 'timestamp-window': 300 });
    const env = {
      PORT: '8080',
      HOST: '0.0.0.0',
      COUNTERSIGN_TIMESTAMP_WINDOW: '60',
      COUNTERSIGN_TRUST_PROXY: 'true',
    };
    expect(serveValues([], env)).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      'timestamp-window': 60,
      'trust-proxy': true,
    });
    expect(serveValues(['--port', '9000', '--timestamp-window', '30'], env)).toMatchObject({
      port: 9000,
      host: '0.0.0.0',
      'timestamp-window': 30,
    });
    expect(serveValues([], { PORT: '' })).toMatchObject({ port: 3000 });
  });

  it('reads sizes, lifetimes and "none"', () => {
    expect(serveValues(['--body-limit', '64k', '--access-token-ttl', '3600'])).toMatchObject({
      'body-limit': 65536,
      'access-token-ttl': 3600,
    });
    expect(
      serveValues([], { COUNTERSIGN_BODY_LIMIT: '2MiB', COUNTERSIGN_ACCESS_TOKEN_TTL: 'none' }),
    ).toMatchObject({
      'body-limit': 2 * 1024 * 1024,
      'access-token-ttl': undefined,
    });
  });

  it('lets a flag of an exclusive group hide the variables of the others', () => {
    const values = serveValues(['--db', 'x.db'], { DATABASE_URL: 'postgres://u@h/d' });
    expect(values).toMatchObject({ db: 'x.db', 'database-url': undefined });
    expect(serveValues(['--trust-proxy-hops', '2'], { COUNTERSIGN_TRUST_PROXY: '1' })).toMatchObject({
      'trust-proxy': false,
      'trust-proxy-hops': 2,
    });
  });

  it.each([
    [['--port', '70000'], {}, 'countersign serve: --port must be a whole number from 0 to 65535'],
    [[], { PORT: 'eighty' }, 'countersign serve: PORT must be a whole number from 0 to 65535'],
    [
      [],
      { COUNTERSIGN_BODY_LIMIT: '2 GB' },
      'countersign serve: COUNTERSIGN_BODY_LIMIT must be a number of bytes',
    ],
    [
      [],
      { COUNTERSIGN_ACCESS_TOKEN_TTL: 'forever' },
      'countersign serve: COUNTERSIGN_ACCESS_TOKEN_TTL must be a whole number of seconds',
    ],
    [
      [],
      { COUNTERSIGN_TRUST_PROXY: 'maybe' },
      'countersign serve: COUNTERSIGN_TRUST_PROXY must be true or false',
    ],
    [
      [],
      { COUNTERSIGN_PUBLIC_URL: 'https://api.example.com/?x=1' },
      'countersign serve: COUNTERSIGN_PUBLIC_URL must be an http or https URL without a query',
    ],
    [
      [],
      { COUNTERSIGN_DB: 'a.db', DATABASE_URL: 'postgres://u@h/d' },
      'countersign serve: set one of COUNTERSIGN_DB, DATABASE_URL, not both',
    ],
    [
      ['--db', 'a.db', '--database-url', 'postgres://u@h/d'],
      {},
      'countersign serve: choose one of --db, --database-url',
    ],
    [['--port'], {}, 'countersign serve: --port needs a value'],
    [['--trust-proxy=yes'], {}, 'countersign serve: --trust-proxy takes no value'],
    [['--bogus'], {}, 'countersign serve: unknown option --bogus (see countersign serve --help)'],
    [['extra'], {}, 'countersign serve: takes no arguments (see countersign serve --help)'],
  ])('refuses %j %j in one line with exit code 2', async (args, env, message) => {
    const answer = await inProcess(['serve', ...args], env);
    expect(answer.status).toBe(2);
    expect(answer.stdout).toBe('');
    expect(answer.stderr.split('\n')).toHaveLength(1);
    expect(answer.stderr.startsWith(message), answer.stderr).toBe(true);
  });

  it('never repeats a refused value, which may carry a password', async () => {
    for (const [name, value] of [
      ['DATABASE_URL', 'mysql://admin:hunter2-password@db.internal/countersign'],
      ['REDIS_URL', 'http://:hunter2-password@cache.internal'],
    ] as const) {
      const answer = await inProcess(['serve'], { [name]: value });
      expect(answer.status).toBe(2);
      expect(answer.stderr).toContain(name);
      expect(answer.stderr).not.toContain('hunter2');
    }
  });

  it('stops countersign serve at start on a bad variable, naming it', () => {
    const answer = run(['serve'], { PORT: '-1' });
    expect(answer.status).toBe(2);
    expect(answer.stderr).toBe('countersign serve: PORT must be a whole number from 0 to 65535\n');
  });

  it('names a missing subcommand or a missing required option in one line', async () => {
    expect(await inProcess(['user'])).toMatchObject({
      status: 2,
      stderr: 'countersign user: needs one of add, suspend, resume (see countersign user --help)',
    });
    expect(await inProcess(['deny', '--user', 'x'])).toMatchObject({
      status: 2,
      stderr: 'countersign deny: --token is required',
    });
    expect(await inProcess(['nonsense'])).toMatchObject({
      status: 2,
      stderr: 'countersign: unknown command "nonsense" (see countersign --help)',
    });
  });
});
