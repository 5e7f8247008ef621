/**
 * Real server processes for the scale and crash tests: `countersign serve` started from the build,
 * ready when it prints its URL; and the CLI run to completion.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';

const cli = new URL('../../packages/server/dist/cli/main.js', import.meta.url).pathname;

export interface ServerProcess {
  readonly url: string;
  readonly process: ChildProcess;
  /** SIGTERM, and wait for the exit. */
  stop(): Promise<void>;
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<void>;
}

export async function startServer(args: string[]): Promise<ServerProcess> {
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${output}`)), 20_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /serving on (\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${output}`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = async (name: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(name);
    await exited;
  };
  return { url, process: child, stop: () => signal('SIGTERM'), kill: () => signal('SIGKILL') };
}

/** Runs a CLI command; returns stdout, or throws with stderr. */
export function runCli(args: string[], input = ''): string {
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', input });
  if (result.status !== 0) throw new Error(`countersign ${args[0]} failed: ${result.stderr}`);
  return result.stdout.trim();
}

/**
 * Runs a CLI command expected to be refused; its exit status and stderr. A command that went on
 * running (a server that started after all) is stopped after ten seconds, with a null status.
 */
export function runCliRefused(args: string[]): { status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 10_000 });
  return { status: result.status, stderr: result.stderr };
}

/**
 * Adds the user bob and a consumer of his (callback `oob`, scope `read_public`) through the CLI, on
 * the store `flags` name; returns the consumer's credentials.
 */
export function registerViaCli(
  flags: string[],
  options: { twoLegged?: boolean } = {},
): { key: string; secret: string } {
  runCli(['user', 'add', 'bob', '--password-stdin', ...flags], 'correct horse battery\n');
  const args = [
    'consumer',
    'add',
    '--name',
    'Test client',
    '--owner',
    'bob',
    '--callback',
    'oob',
    '--scopes',
    'read_public',
  ];
  if (options.twoLegged) args.push('--two-legged');
  return JSON.parse(runCli([...args, '--json', ...flags])) as { key: string; secret: string };
}

/** A TCP proxy to `target` that can be cut and restored, to take a database away from a server. */
export interface CuttableProxy {
  readonly port: number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startProxy(targetHost: string, targetPort: number): Promise<CuttableProxy> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve) => {
      server = createServer((client) => {
        const upstream = new (client.constructor as typeof Socket)();
        upstream.connect(targetPort, targetHost);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => s.destroy());
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server?.address() as { port: number }).port;
        resolve();
      });
    });
  const cut = async () => {
    await new Promise<void>((resolve) => {
      server?.close(() => resolve());
      for (const s of sockets) s.destroy();
    });
  };
  await listen();
  return { port, cut, restore: listen, close: cut };
}
