/**
 * `countersign serve`: runs the reference provider server until SIGINT or SIGTERM, then shuts down
 * cleanly (in-flight requests finish, the database is closed).
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { TrustProxy } from 'countersign';
import { buildServer, type ServerOptions } from '../../server/app.js';
import type { GatewayOptions } from '../../server/gateway/gateway.js';
import { parseRouteFile, RouteFileError } from '../../server/gateway/routes.js';
import { BatchedLines } from '../../server/batched-lines.js';
import { connectionLimits } from '../../server/connection-limits.js';
import { buildMetricsServer, createMetrics } from '../../server/metrics.js';
import { SqliteStore } from '@countersign/sqlite';
import { CliError } from '../cli-error.js';
import { type CommandIo, command, type Values as CommandValues } from '../command-definition.js';
import { describeStore, openRedis, openStore, SECRET_KEY_VARIABLE, STORE_EXCLUSIVE } from '../open-store.js';
import { METRICS_TOKEN_VARIABLE, SERVE_OPTIONS } from './serve-options.js';

type Values = CommandValues<typeof SERVE_OPTIONS>;

/** `--trust-proxy` is one hop; `--trust-proxy-hops` more; `--trust-proxy-from` the proxies' addresses. */
function trustProxy(values: Values): TrustProxy | undefined {
  if (values['trust-proxy']) return 1;
  return values['trust-proxy-from'] ?? values['trust-proxy-hops'];
}

/** The timeout and connection-limit flags given (the others keep their defaults). */
function connections(values: Values): NonNullable<ServerOptions['connections']> {
  const limits = {
    headersTimeout: values['headers-timeout'],
    requestTimeout: values['request-timeout'],
    keepAliveTimeout: values['keep-alive-timeout'],
    maxConnections: values['max-connections'],
  };
  const given = Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined));
  try {
    return connectionLimits(given);
  } catch (error) {
    if (error instanceof TypeError)
      throw new CliError('--headers-timeout must not be longer than --request-timeout');
    throw error;
  }
}

/** The `/metrics` token, from the file named or the environment; never from the command line. */
function metricsToken(values: Values, env: CommandIo['env']): string | undefined {
  const file = values['metrics-token-file'];
  let token = env[METRICS_TOKEN_VARIABLE];
  if (file !== undefined) {
    try {
      token = readFileSync(file, 'utf8');
    } catch (error) {
      throw new CliError(`cannot read --metrics-token-file ${file}: ${(error as Error).message}`);
    }
  }
  if (token === undefined || (file === undefined && token === '')) return undefined;
  token = token.trim();
  if (token === '') throw new CliError(`the metrics token (${file ?? METRICS_TOKEN_VARIABLE}) is empty`);
  return token;
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
      upstream: values.upstream,
      upstreamTimeout: values['upstream-timeout'],
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

async function serve(values: Values, io: CommandIo): Promise<void> {
  const out = (line: string) => io.out(line);
  const port = values.port;
  const metricsPort = values['metrics-port'];
  const token = metricsToken(values, io.env);
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
  const redis = openRedis(values);
  let store: Awaited<ReturnType<typeof openStore>>;
  try {
    store = await openStore(values, io.env, redis);
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
      requestTokenTtl: values['request-token-ttl'],
      accessTokenTtl: values['access-token-ttl'],
      timestampWindow: values['timestamp-window'],
      bodyLimit: values['body-limit'],
      parameterLimit: values['parameter-limit'],
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

export const serveCommand = command({
  summary: 'Runs the reference provider server until SIGINT or SIGTERM',
  description:
    'Ready when GET /readyz answers 200 (GET /healthz: alive). Every option may come from its\n' +
    'environment variable instead; a flag given wins over its variable. On SIGINT or SIGTERM it\n' +
    'stops taking connections, lets the requests in flight finish, and closes the store.',
  options: SERVE_OPTIONS,
  exclusive: [...STORE_EXCLUSIVE, ['trust-proxy', 'trust-proxy-hops', 'trust-proxy-from']],
  environment: [
    SECRET_KEY_VARIABLE,
    {
      name: METRICS_TOKEN_VARIABLE,
      help: 'the bearer token /metrics requires (when no --metrics-token-file is given)',
    },
  ],
  run: (values, _positionals, io) => serve(values, io),
});
