/**
 * Prometheus metrics: requests by route, method and status; problems by name and endpoint. And
 * who may read them: the counts name consumers' problems and the server's load, so `/metrics`
 * can ask for a bearer token, and can be served on a listener of its own (an address only the
 * monitoring network reaches) instead of the main one.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { Counter, collectDefaultMetrics, Registry } from 'prom-client';

/** Whether two tokens are equal, compared as SHA-256 digests in constant time (whatever their lengths). */
function sameToken(given: string, token: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(token));
}

export interface Metrics {
  readonly registry: Registry;
  readonly requests: Counter<'route' | 'method' | 'status'>;
  readonly problems: Counter<'problem' | 'endpoint'>;
}

/** Who may read `/metrics`. */
export interface MetricsAccess {
  /** The counters to serve (made by `buildServer` when absent). */
  readonly metrics?: Metrics | undefined;
  /** A token `/metrics` requires as `Authorization: Bearer …`; without it, anyone reaching it may read. */
  readonly token?: string | undefined;
  /** Whether the main listener serves `/metrics` (default true; false: it answers 404 there). */
  readonly onMainListener?: boolean | undefined;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'countersign_' });
  return {
    registry,
    requests: new Counter({
      name: 'countersign_http_requests_total',
      help: 'HTTP requests by route, method and status',
      labelNames: ['route', 'method', 'status'],
      registers: [registry],
    }),
    problems: new Counter({
      name: 'countersign_oauth_problems_total',
      help: 'Refused OAuth requests by problem and endpoint',
      labelNames: ['problem', 'endpoint'],
      registers: [registry],
    }),
  };
}

/** The `/metrics` handler: the registry's text, or 401 without the token when one is required. */
/** Headers a proxy adds to what it forwards. */
const FORWARDED = ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-real-ip'];

export function metricsHandler(metrics: Metrics, token: string | undefined) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    // Open without a token only to a caller on this machine itself: a request a proxy forwarded
    // (a proxy on the same host reaches a loopback listener too) is answered as if nothing were here.
    if (token === undefined && FORWARDED.some((name) => request.headers[name] !== undefined))
      return reply.code(404).type('text/plain; charset=utf-8').send('Not found.');
    if (token !== undefined) {
      const given = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '';
      // Compared in constant time, so the answer's timing tells nothing of the token.
      if (!sameToken(given, token))
        return reply
          .code(401)
          .header('www-authenticate', 'Bearer realm="metrics"')
          .type('text/plain; charset=utf-8')
          .send('A bearer token is required.');
    }
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  };
}

/**
 * A server answering `/metrics` only (404 to anything else), for a listener of its own.
 *
 * @example
 * ```ts
 * const metrics = createMetrics();
 * const app = await buildServer({ store, metricsAccess: { metrics, onMainListener: false } });
 * await (await buildMetricsServer(metrics)).listen({ port: 9464, host: '10.0.0.5' });
 * ```
 */
export async function buildMetricsServer(metrics: Metrics, token?: string): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  app.get('/metrics', metricsHandler(metrics, token));
  await app.ready();
  return app;
}
