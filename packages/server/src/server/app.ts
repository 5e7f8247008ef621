/**
 * The reference provider server: Fastify with its own plugins (cookie, formbody, CSRF, helmet,
 * rate limit), the OAuth endpoints and the sample API in one scope (raw bodies), LTI launches in
 * another (raw bodies, framable), the pages in a third (parsed forms), and `/healthz`, `/readyz` and
 * `/metrics`.
 */
import { randomBytes } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { fastifyAdapter } from 'countersign/fastify';
import {
  compileTrustProxy,
  type CreateProviderOptions,
  createProvider,
  type ProviderOptions,
  type Store,
} from 'countersign';
import { MemoryServerData } from '../data/memory-data.js';
import type { ServerData } from '../data/server-data.js';
import { connectionIds } from './connection-ids.js';
import {
  type ConnectionLimits,
  connectionLimits,
  limitConnections,
  timeoutOptions,
} from './connection-limits.js';
import { CSRF_COOKIE, csrfUserInfo, type ServerContext, pageContext, sendPage } from './context.js';
import { answerError, apiErrors, pageErrors, plainErrorText } from './error-pages.js';
import { createMetrics, type MetricsAccess, metricsHandler } from './metrics.js';
import { ProblemRecorder } from './problem-recorder.js';
import { loggerOptions, type LogOptions, type OAuthEndpointName, RequestLog } from './request-log.js';
import { pingRedis, type ReadinessCheck, readinessHandler, readinessProbe } from './readiness.js';
import { MemoryRateCounter, RedisRateCounter } from './rate-counter.js';
import { accountLimits, type AccountLimitSettings } from './rate-limits.js';
import { accountPageRoutes } from './routes/account-page.js';
import { accountRoutes } from './routes/accounts.js';
import { apiRoutes } from './routes/api.js';
import { connectionRoutes } from './routes/connections.js';
import { consentRoutes } from './routes/consent.js';
import { consoleRoutes } from './routes/console.js';
import { forwardAuthProvider, gateway, type GatewayOptions } from './gateway/gateway.js';
import { ltiRoutes } from './routes/lti.js';
import { homePage } from './views/home.js';
import { loadSession } from './session.js';
import { CONSOLE_SCRIPT } from './views/console-script.js';
import { STYLE } from './views/style.js';

export interface ServerOptions extends Pick<
  ProviderOptions,
  | 'publicUrl'
  | 'trustProxy'
  | 'requestTokenTtl'
  | 'accessTokenTtl'
  | 'timestampWindow'
  | 'parameterLimit'
  | 'clock'
> {
  /** The largest body the OAuth endpoints and the API read, in bytes (default 1 MiB); more is 413. */
  readonly bodyLimit?: number | undefined;
  /** The engine's data. */
  readonly store: Store;
  /**
   * The server's own data (accounts, settings, sessions, notes, the problem log); in memory by
   * default, for a server on a memory store.
   */
  readonly data?: ServerData | undefined;
  /**
   * Redis, when several instances share the store: what must hold across instances (rate limits)
   * counts there. The caller owns the client and closes it.
   */
  readonly redis?: Redis | undefined;
  /** Timeouts and the connection limit (see `DEFAULT_CONNECTION_LIMITS`). */
  readonly connections?: Partial<ConnectionLimits> | undefined;
  /** Who may read `/metrics` (default: anyone reaching the server). */
  readonly metricsAccess?: MetricsAccess | undefined;
  /**
   * The problem log's rate limit: at most `limit` (20 by default) problems recorded per consumer
   * per minute, counted in Redis when there is one (under `redisPrefix`, by default
   * `countersign:problems:`), else in this process.
   */
  readonly problemLog?: { readonly limit?: number; readonly redisPrefix?: string } | undefined;
  /** The account forms' rate limits, each in place of its default in `DEFAULT_ACCOUNT_LIMITS`. */
  readonly accountLimits?: Partial<AccountLimitSettings> | undefined;
  /**
   * The gateway: the routes of a route file, for forward-auth; with an upstream, every request
   * matching one is also forwarded there (and the sample API is off). See docs/gateway.md.
   */
  readonly gateway?: GatewayOptions | undefined;
  /** Where to log (JSON lines, pino); no logging when absent. */
  readonly log?: LogOptions | undefined;
}

/** Problems per consumer and minute recorded by default; the rest are only counted. */
const PROBLEM_LOG_LIMIT = 20;

function problemRecorder(
  options: ServerOptions,
  data: ServerData,
  clock: () => number,
  onError: (error: unknown) => void,
) {
  const window = { windowMs: 60_000, clock };
  const counter = options.redis
    ? new RedisRateCounter(options.redis, {
        ...window,
        prefix: options.problemLog?.redisPrefix ?? 'countersign:problems:',
      })
    : new MemoryRateCounter(window);
  const limit = options.problemLog?.limit ?? PROBLEM_LOG_LIMIT;
  return new ProblemRecorder({ data, counter, limit, onError });
}

/** The OAuth endpoints' paths (the adapter's defaults, and the consent page's). */
const OAUTH_ROUTES: readonly [string, OAuthEndpointName][] = [
  ['/oauth/initiate', 'initiate'],
  ['/oauth/token', 'token'],
  ['/oauth/authorize', 'authorize'],
];

/**
 * What `/readyz` asks: the store — through the server's data, which is kept on the store's own
 * connection (the same SQLite file, the same PostgreSQL pool) — and Redis when the server has it.
 */
function readinessChecks(data: ServerData, redis: Redis | undefined): Record<string, ReadinessCheck> {
  return { store: () => data.ping(), ...(redis ? { redis: () => pingRedis(redis) } : {}) };
}

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const clock = options.clock ?? Date.now;
  const metrics = options.metricsAccess?.metrics ?? createMetrics();
  const limits = connectionLimits(options.connections);
  // One trust function for Fastify (the client address logged and rate-limited by) and the engine
  // (the URL signed): the same proxies are believed for both.
  const trustProxy = compileTrustProxy(options.trustProxy);
  // The OAuth endpoint each route pattern serves: the adapter's token endpoints (at their default
  // paths) and the consent page, and every other route beside the token endpoints (the protected
  // resources), noted as it is registered.
  const endpoints = new Map<string, OAuthEndpointName>(OAUTH_ROUTES);
  const requestLog = new RequestLog(endpoints);
  const app = Fastify({
    ...timeoutOptions(limits),
    logger: loggerOptions(options.log),
    logController: requestLog,
    // Requests log through the server's logger itself, naming their id in the line, instead of
    // through a child logger made for every request.
    childLoggerFactory: (logger) => logger,
    trustProxy: trustProxy ?? false,
    // A URL the router cannot decode is a 400 that does not echo it (Fastify's own answer does).
    frameworkErrors: (error, request, reply) => {
      void answerError(ctx, request, reply, 400, plainErrorText(error, 400));
    },
  });
  limitConnections(app.server, limits);
  // The paths of the server's own routes, which no gateway route may overlap.
  const ownPaths: string[] = [];
  app.addHook('onRoute', ({ url }) => void ownPaths.push(url));
  const data = options.data ?? new MemoryServerData();
  const problems = problemRecorder(options, data, clock, (error) =>
    app.log.error({ err: error }, 'problem log'),
  );
  const providerOptions: CreateProviderOptions = {
    store: options.store,
    publicUrl: options.publicUrl,
    trustProxy,
    requestTokenTtl: options.requestTokenTtl,
    accessTokenTtl: options.accessTokenTtl,
    timestampWindow: options.timestampWindow,
    parameterLimit: options.parameterLimit,
    clock,
    signatureMethods: ['HMAC-SHA1', 'HMAC-SHA256', 'HMAC-SHA512', 'RSA-SHA1', 'RSA-SHA256', 'PLAINTEXT'],
    onError: (error) => app.log.error({ err: error }, 'unexpected error'),
    onProblem: async (report) => {
      const { endpoint, problem, consumer, at } = report;
      metrics.problems.inc({ problem: problem.problem, endpoint });
      requestLog.refused(report);
      if (!consumer) return;
      await problems.record({
        at,
        consumerKey: consumer.key,
        endpoint,
        problem: problem.problem,
        advice: problem.advice,
        baseString: problem.details.signatureBaseString,
      });
    },
    onPreviousSecret: ({ endpoint, consumer, at, expiresAt }) =>
      problems.recordPreviousSecret({ at, consumerKey: consumer.key, endpoint, expiresAt }),
  };
  const provider = createProvider(providerOptions);
  const ctx: ServerContext = {
    store: options.store,
    data,
    provider,
    clock,
    randomBytes,
    secureCookies: options.publicUrl?.startsWith('https:') ?? false,
    publicUrl: options.publicUrl,
  };
  const cookieSecret = await data.ensureSetting('cookie-secret', randomBytes(32).toString('base64'));

  app.addHook('onResponse', async (request, reply) => {
    // Route patterns, never raw URLs: the label values stay as few as the routes.
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.observe(route, request.method, reply.statusCode, reply.elapsedTime, endpoints.get(route));
  });
  await app.register(fastifyCookie, { secret: cookieSecret });
  await app.register(fastifyRateLimit, {
    global: false,
    // In Redis when the server has it, so that a limit holds across instances.
    ...(options.redis ? { redis: options.redis, nameSpace: 'countersign-rate-limit:' } : {}),
  });
  const oauth = fastifyAdapter(
    provider,
    options.bodyLimit === undefined ? {} : { bodyLimit: options.bodyLimit },
  );
  await app.register(async (api) => {
    api.addHook('onRoute', (route) => {
      if (!endpoints.has(route.url)) endpoints.set(route.url, 'resource');
    });
    apiErrors(api, ctx);
    await api.register(oauth.plugin);
    if (options.gateway?.upstream === undefined) apiRoutes(api, ctx, oauth);
  });
  // LTI launches and grades: form POSTs from inside an LMS's frame, raw bodies, framable (routes/lti.ts).
  await app.register((lti) => {
    ltiRoutes(lti, ctx);
    return Promise.resolve();
  });
  await app.register(async (site) => {
    await site.register(fastifyHelmet, {
      frameguard: { action: 'deny' },
      // Over plain HTTP (a laptop's localhost) upgrading requests or pinning HTTPS would break every form.
      hsts: ctx.secureCookies,
      contentSecurityPolicy: {
        directives: {
          'frame-ancestors': ["'none'"],
          // The consent form's answer redirects to the application's callback, on another origin.
          'form-action': null,
          'upgrade-insecure-requests': ctx.secureCookies ? [] : null,
        },
      },
    });
    site.get('/healthz', () => ({ status: 'ok' }));
    site.get('/readyz', readinessHandler(readinessProbe(readinessChecks(data, options.redis))));
    if (options.metricsAccess?.onMainListener !== false)
      site.get('/metrics', metricsHandler(metrics, options.metricsAccess?.token));
    site.get('/static/style.css', async (_request, reply) =>
      reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(STYLE),
    );
    site.get('/static/console.js', async (_request, reply) =>
      reply
        .type('text/javascript; charset=utf-8')
        .header('cache-control', 'public, max-age=3600')
        .send(CONSOLE_SCRIPT),
    );
    await site.register(async (pages) => {
      await pages.register(fastifyFormbody);
      // Pages take HTML forms only: a JSON or text body is refused with 415 before any route sees it.
      pages.removeContentTypeParser(['application/json', 'text/plain']);
      pageErrors(pages, ctx);
      await pages.register(fastifyCsrf, {
        cookieOpts: { signed: true, httpOnly: true, sameSite: 'lax', secure: ctx.secureCookies, path: '/' },
        cookieKey: CSRF_COOKIE,
        getUserInfo: csrfUserInfo,
        csrfOpts: { hmacKey: cookieSecret },
      });
      pages.decorateRequest('signedIn', undefined);
      pages.addHook('onRequest', async (request) => {
        request.signedIn = await loadSession(ctx, request);
      });
      pages.get('/', async (request, reply) =>
        sendPage(
          reply,
          homePage(
            pageContext(ctx, request, reply),
            options.publicUrl ?? `${request.protocol}://${request.host}`,
          ),
        ),
      );
      const limits = accountLimits(pages, options.accountLimits);
      accountRoutes(pages, ctx, limits);
      accountPageRoutes(pages, ctx, limits);
      consoleRoutes(pages, ctx);
      consentRoutes(pages, ctx);
      connectionRoutes(pages, ctx, connectionIds(cookieSecret));
    });
  });
  if (options.gateway) {
    const forwardAuth = forwardAuthProvider(provider, providerOptions);
    await app.register(
      gateway(options.gateway, { provider, forwardAuthProvider: forwardAuth, trust: trustProxy, ownPaths }),
    );
  }
  app.setErrorHandler(async (error, request, reply) => {
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500) request.log.error({ reqId: request.id, err: error }, 'request failed');
    return answerError(ctx, request, reply, status, plainErrorText(error, status));
  });
  return app;
}
