/**
 * The server's log: one JSON line per request, written when it is answered — its method, its path
 * with secret query values masked, the client address, the status and the latency, and for a signed
 * request the consumer key and, when refused, the problem. Never a header, a body or a secret.
 *
 * The consumer is named only when it is known to exist: the key a refused request claims may be
 * anything the client sent, a secret pasted in the wrong field included.
 */
import type { FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { LogController } from 'fastify';
import { parseAuthorizationHeader, type ProblemReport } from 'countersign';
import { maskUrl } from './log-redaction.js';

/** Which OAuth endpoint a route pattern serves, for the log and the metrics. */
export type OAuthEndpointName = 'initiate' | 'authorize' | 'token' | 'resource';

/** What a log line says of a request: no headers, and no secret from its URL. */
function requestFields(req: { method: string; url: string; ip?: string }) {
  return { method: req.method, url: maskUrl(req.url), ip: req.ip };
}

/** Where to log (JSON lines, pino); no logging when absent. */
export interface LogOptions {
  readonly level?: string;
  readonly stream?: { write(line: string): void };
}

export function loggerOptions(log: LogOptions | undefined): NonNullable<FastifyServerOptions['logger']> {
  if (!log) return false;
  return {
    level: log.level ?? 'info',
    ...(log.stream ? { stream: log.stream } : {}),
    redact: {
      paths: ['req.headers', 'res.headers', 'headers.authorization', 'headers.cookie'],
      censor: '[redacted]',
    },
    serializers: { req: requestFields },
  };
}

/** The problem a refused signed request was answered with, from its `WWW-Authenticate` header. */
function problemOf(reply: FastifyReply): string | undefined {
  const header = reply.getHeader('www-authenticate');
  return typeof header === 'string' ? /oauth_problem="([a-z_]+)"/.exec(header)?.[1] : undefined;
}

/**
 * The `oauth_consumer_key` of a request the token endpoints accepted: its signature was verified,
 * so the key is a real consumer's. (The engine reports refusals, not acceptances; these two
 * endpoints are the rare requests of a client, so reading the key again costs little.)
 */
function acceptedConsumerKey(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string' && /^OAuth\s/i.test(authorization)) {
    const parameters = parseAuthorizationHeader(authorization)?.parameters ?? [];
    return parameters.find((p) => p.name === 'oauth_consumer_key')?.value;
  }
  const query = request.url.indexOf('?');
  const fromQuery =
    query < 0 ? null : new URLSearchParams(request.url.slice(query + 1)).get('oauth_consumer_key');
  if (fromQuery !== null) return fromQuery;
  const body: unknown = request.body;
  return Buffer.isBuffer(body)
    ? (new URLSearchParams(body.toString('latin1')).get('oauth_consumer_key') ?? undefined)
    : undefined;
}

/** One log line per request, written when it is answered (Fastify's default writes two). */
export class RequestLog extends LogController {
  /**
   * The known consumer of each refused signed request, by the request's headers object: the one
   * object both the engine's report (through the adapter) and the log line's request hold.
   */
  readonly #refused = new WeakMap<object, string>();

  /** @param endpoints The OAuth endpoint each route pattern serves. */
  constructor(readonly endpoints: ReadonlyMap<string, OAuthEndpointName>) {
    super();
  }

  /** Hears the engine's report of a refused request (`onProblem`). */
  refused(report: ProblemReport): void {
    if (report.consumer) this.#refused.set(report.request.headers, report.consumer.key);
  }

  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    // The request's fields at the top level rather than under `req` through its serializer: this
    // line is written for every request, and pino serializes a flat object faster.
    const { method, url, ip } = requestFields(request);
    const status = reply.statusCode;
    const line: Record<string, unknown> = {
      reqId: request.id,
      method,
      url,
      ip,
      status,
      ms: Math.round(reply.elapsedTime * 10) / 10,
    };
    const consumer = this.#consumerOf(request, status);
    if (consumer !== undefined) line.consumer = consumer;
    if (status >= 400) {
      const problem = problemOf(reply);
      if (problem !== undefined) line.problem = problem;
    }
    if (error) reply.log.error({ ...line, err: error }, 'request failed');
    else reply.log.info(line, 'request');
  }

  #consumerOf(request: FastifyRequest, status: number): string | undefined {
    const verified = (request as { oauth?: { consumer: { key: string } } | null }).oauth;
    if (verified) return verified.consumer.key;
    if (status >= 400) return this.#refused.get(request.headers);
    const endpoint = this.endpoints.get(request.routeOptions.url ?? '');
    return endpoint === 'initiate' || endpoint === 'token' ? acceptedConsumerKey(request) : undefined;
  }
}
