/**
 * `countersign serve`: runs the reference provider server until SIGINT or SIGTERM, then shuts down
 * cleanly (in-flight requests finish, the database is closed).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { FastifyInstance } from 'fastify';
import type { TrustProxy } from 'countersign';
import { buildServer, type ServerOptions } from '../../server/app.js';
import type { GatewayOptions } from '../../server/gateway/gateway.js';
import { parseRouteFile, RouteFileError } from '../../server/gateway/routes.js';
import { BatchedLines } from '../../server/batched-lines.js';
import { buildMetricsServer, createMetrics } from '../../server/metrics.js';
import { CliError } from '../cli-error.js';
import { describeStore, openRedis, openStore, STORE_OPTIONS } from '../open-store.js';
import { SqliteStore } from '@countersign/sqlite';

export const usage =
  'countersign serve [--port N] [--host H] [--db FILE] [--database-url URL] [--redis-url URL]\n' +
  '                  [--public-url URL] [--trust-proxy | --trust-proxy-hops N | --trust-proxy-from LIST]\n' +
  '                  [--request-token-ttl SECONDS] [--timestamp-window SECONDS]\n' +
  '                  [--headers-timeout SECONDS] [--request-timeout SECONDS] [--keep-alive-timeout SECONDS]\n' +
  '                  [--max-connections N] [--metrics-port N] [--metrics-host H] [--metrics-token-file FILE]\n' +
  '                  [--routes FILE [--upstream URL] [--upstream-timeout SECONDS]]';

function whole(flag: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max)
    throw new CliError(`${flag} must be a whole number from ${min} to ${max}`);
  return n;
}

/** The environment variable a `/metrics` token may come in (never the command line: `ps` shows it). */
const METRICS_TOKEN_VARIABLE = 'COUNTERSIGN_METRICS_TOKEN';

const OPTIONS = {
  ...STORE_OPTIONS,
  'redis-url': { type: 'string' },
  port: { type: 'string', default: '3000' },
  host: { type: 'string', default: '127.0.0.1' },
  'public-url': { type: 'string' },
  'trust-proxy': { type: 'boolean' },
  'trust-proxy-hops': { type: 'string' },
  'trust-proxy-from': { type: 'string' },
  'request-token-ttl': { type: 'string' },
  'timestamp-window': { type: 'string' },
  'headers-timeout': { type: 'string' },
  'request-timeout': { type: 'string' },
  'keep-alive-timeout': { type: 'string' },
  'max-connections': { type: 'string' },
  'metrics-port': { type: 'string' },
  'metrics-host': { type: 'string', default: '127.0.0.1' },
  'metrics-token-file': { type: 'string' },
  routes: { type: 'string' },
  upstream: { type: 'string' },
  'upstream-timeout': { type: 'string' },
} as const;

type Values = ReturnType<
  typeof parseArgs<{ args: string[]; strict: true; options: typeof OPTIONS }>
>['values'];

/** `--trust-proxy` is one hop; `--trust-proxy-hops` more; `--trust-proxy-from` the proxies' addresses. */
function trustProxy(values: Values): TrustProxy | undefined {
  const given = (['trust-proxy', 'trust-proxy-hops', 'trust-proxy-from'] as const).filter(
    (flag) => values[flag] !== undefined,
  );
  if (given.length > 1) throw new CliError(`choose one of --${given.join(', --')}`);
  if (values['trust-proxy']) return 1;
  return values['trust-proxy-from'] ?? whole('--trust-proxy-hops', values['trust-proxy-hops'], 1, 16);
}

/** The timeout and connection-limit flags given (the others keep their defaults). */
function connections(values: Values): NonNullable<ServerOptions['connections']> {
  const seconds = (flag: 'headers-timeout' | 'request-timeout' | 'keep-alive-timeout') =>
    whole(`--${flag}`, values[flag], 1, 3600);
  const limits = {
    headersTimeout: seconds('headers-timeout'),
    requestTimeout: seconds('request-timeout'),
    keepAliveTimeout: seconds('keep-alive-timeout'),
    maxConnections: whole('--max-connections', values['max-connections'], 1, 1_000_000),
  };
  return Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined));
}

/** The `/metrics` token, from the file named or the environment; never from the command line. */
function metricsToken(values: Values): string | undefined {
  const file = values['metrics-token-file'];
  let token = process.env[METRICS_TOKEN_VARIABLE];
  if (file !== undefined) {
    try {
      token = readFileSync(file, 'utf8');
    } catch (error) {
      throw new CliError(`cannot read --metrics-token-file ${file}: ${(error as Error).message}`);
    }
  }
  if (token === undefined) return undefined;
  token = token.trim();
  if (token === '') throw new CliError(`the metrics token (${file ?? METRICS_TOKEN_VARIABLE}) is empty`);
  return token;
}

/** The upstream's origin, from `--upstream`: http or https, with no path, query or credentials. */
function upstreamOrigin(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (
    !url ||
    (url.protocol !== 'http:' && url.protocol !== 'https:') ||
    url.username !== '' ||
    url.password !== '' ||
    url.pathname !== '/' ||
    url.search !== '' ||
    url.hash !== ''
  )
    throw new CliError(
      '--upstream must be an http or https origin, like http://127.0.0.1:8080 (no path, query or credentials)',
    );
  return url.origin;
}

/** The gateway's options, from `--routes`, `--upstream` and `--upstream-timeout`. */
function gatewayOptions(values: Values): GatewayOptions | undefined {
  const file = values.routes;
  if (file === undefined) {
    if (values.upstream !== undefined) throw new CliError('--upstream needs --routes FILE');
    if (values['upstream-timeout'] !== undefined) throw new CliError('--upstream-timeout needs --upstream');
    return undefined;
  }
  if (values['upstream-timeout'] !== undefined && values.upstream === undefined)
    throw new CliError('--upstream-timeout needs --upstream');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read --routes ${file}: ${(error as Error).message}`);
  }
  try {
    return {
      routes: parseRouteFile(text),
      upstream: values.upstream === undefined ? undefined : upstreamOrigin(values.upstream),
      upstreamTimeout: whole('--upstream-timeout', values['upstream-timeout'], 1, 3600),
    };
  } catch (error) {
    if (error instanceof RouteFileError) throw new CliError(`--routes ${file}: ${error.message}`);
    throw error;
  }
}

/** Whether the server listens on this machine only. */
function isLoopback(host: string | undefined): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost';
}

/** Listens, and answers where the metrics are (the port chosen when 0 was asked for). */
async function listenedUrl(app: FastifyInstance, host: string, port: number): Promise<string> {
  await app.listen({ port, host });
  const address = app.server.address();
  return `http://${host}:${typeof address === 'object' && address ? address.port : port}/metrics`;
}

export async function serve(args: string[], out: (line: string) => void): Promise<void> {
  const { values } = parseArgs({ args, strict: true, options: OPTIONS });
  const port = whole('--port', values.port, 0, 65535) ?? 3000;
  const metricsPort = whole('--metrics-port', values['metrics-port'], 0, 65535);
  const token = metricsToken(values);
  const metrics = createMetrics();
  const trust = trustProxy(values);
  const limits = connections(values);
  const metricsAccess = {
    metrics,
    token,
    // Without a token or a listener of its own, /metrics is open on a loopback listener (a laptop)
    // and not served (404) on any other: its counts are not for whoever reaches the server. Behind
    // a trusted proxy the loopback listener is what the proxy reaches, so it is not open there either.
    onMainListener:
      metricsPort === undefined && (token !== undefined || (isLoopback(values.host) && trust === undefined)),
  };
  const gateway = gatewayOptions(values);
  const requestTokenTtl = whole('--request-token-ttl', values['request-token-ttl'], 1, 86400);
  const timestampWindow = whole('--timestamp-window', values['timestamp-window'], 1, 86400);
  const redis = openRedis(values);
  let store: Awaited<ReturnType<typeof openStore>>;
  try {
    store = await openStore(values, redis);
  } catch (error) {
    redis?.disconnect();
    throw error;
  }
  const closeStores = async () => {
    await store.close();
    redis?.disconnect();
  };
  // With nonces in SQLite, the ones of the current window are read before the first request.
  if (store.sql.store instanceof SqliteStore && redis === undefined) store.sql.store.preloadNonces();
  // Log lines go to stderr, the lines of one turn of the event loop in one write. process.stderr
  // writes to a file, a pipe or a terminal synchronously on Linux, without a thread of libuv's pool
  // in between for every write, as a file write stream has (about 7 % of the server's CPU time per
  // request, measured with `GET /api/v1/me` under load); pino's own destination (sonic-boom)
  // measured about 20,000 instructions per line, taking the byte length of its whole pending buffer
  // on every line.
  const logLines = new BatchedLines(process.stderr);
  // Logs that cannot be written (stderr closed) must not stop the server.
  process.stderr.on('error', () => undefined);
  process.once('exit', logLines.flush);
  let app: Awaited<ReturnType<typeof buildServer>>;
  try {
    app = await buildServer({
      store: store.store,
      data: store.data,
      redis,
      publicUrl: values['public-url'],
      trustProxy: trust,
      requestTokenTtl,
      timestampWindow,
      connections: limits,
      metricsAccess,
      gateway,
      log: { level: 'info', stream: logLines },
    });
  } catch (error) {
    await closeStores();
    if (error instanceof TypeError) throw new CliError(error.message);
    if (error instanceof RouteFileError) throw new CliError(`--routes ${values.routes}: ${error.message}`);
    throw error;
  }
  try {
    await app.listen({ port, host: values.host });
  } catch (error) {
    await closeStores();
    throw new CliError(`cannot listen on ${values.host}:${port}: ${(error as Error).message}`);
  }
  let metricsApp: FastifyInstance | undefined;
  let metricsUrl = '';
  if (metricsPort !== undefined) {
    try {
      metricsApp = await buildMetricsServer(metrics, token);
      metricsUrl = await listenedUrl(metricsApp, values['metrics-host'], metricsPort);
    } catch (error) {
      await app.close();
      await closeStores();
      throw new CliError(`cannot serve /metrics: ${(error as Error).message}`);
    }
  }
  const address = app.server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const shown = values.host === '127.0.0.1' || values.host === '0.0.0.0' ? 'localhost' : values.host;
  const local = `http://${shown}:${actualPort}`;
  const url = values['public-url'] ?? local;
  out(`Countersign is serving on ${local}`);
  if (values['public-url'] !== undefined) out(`  Public URL (what clients sign): ${url}`);
  out(`  Open ${url}/signup to create an account, then register an application in the console.`);
  out(`  OAuth endpoints: POST ${url}/oauth/initiate, ${url}/oauth/authorize, POST ${url}/oauth/token`);
  if (gateway?.upstream !== undefined)
    out(`  Gateway: ${gateway.routes.length} routes of ${values.routes} forwarded to ${gateway.upstream}`);
  if (gateway) {
    const who = trust === undefined ? ' (answers only a trusted proxy: give --trust-proxy-from)' : '';
    out(`  Forward-auth: GET ${url}/oauth/forward-auth${who}`);
  }
  if (metricsUrl !== '') out(`  Metrics: ${metricsUrl}`);
  out(`  Store: ${describeStore(values)}. Stop with Ctrl-C.`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      out('Shutting down.');
      void Promise.all([app.close(), metricsApp?.close()])
        .then(closeStores)
        .then(logLines.flush)
        .then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
