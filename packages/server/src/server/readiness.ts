/**
 * `/readyz`: whether this instance can serve requests now — its store answers a query, and Redis a
 * PING when the server has one — beside `/healthz`, which says only that the process is alive (so
 * a load balancer that reads `/healthz` does not take every instance out at once when the database
 * is away, while an orchestrator that reads `/readyz` holds traffic back from one that cannot work).
 * The answer names what is down and nothing else: no address, no error text.
 */
import type { FastifyReply } from 'fastify';
import type { Redis } from 'ioredis';

/** One dependency's check: resolves when it answers. */
export type ReadinessCheck = () => Promise<unknown>;

/** How long a dependency may take to answer before it counts as down. */
const CHECK_TIMEOUT_MS = 2000;

function answersInTime(check: ReadinessCheck, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const answered = Promise.resolve()
    .then(check)
    .then(
      () => true,
      () => false,
    );
  return Promise.race([answered, late]).finally(() => clearTimeout(timer));
}

/**
 * Redis answers a PING. A client still connecting (just started, or reconnecting) is waited for
 * within the probe's time: its commands fail at once until it is connected, as they should for
 * requests, but it is not yet down.
 */
export function pingRedis(redis: Redis, timeoutMs = CHECK_TIMEOUT_MS): Promise<unknown> {
  if (redis.status === 'ready') return redis.ping();
  return new Promise<void>((resolve, reject) => {
    const connected = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      redis.off('ready', connected);
      reject(new Error('Redis is not connected'));
    }, timeoutMs);
    redis.once('ready', connected);
  }).then(() => redis.ping());
}

export interface Readiness {
  readonly ready: boolean;
  /** `status`, then `up` or `down` for each dependency by name. */
  readonly body: Readonly<Record<string, string>>;
}

/**
 * A readiness probe over named checks. Requests that arrive while a probe is running share its
 * answer, so a flood of `/readyz` costs the database one query at a time.
 *
 * @example
 * ```ts
 * const probe = readinessProbe({ store: () => store.ping(), redis: () => redis.ping() });
 * const { ready, body } = await probe(); // { status: 'unavailable', store: 'up', redis: 'down' }
 * ```
 */
export function readinessProbe(
  checks: Readonly<Record<string, ReadinessCheck>>,
  timeoutMs = CHECK_TIMEOUT_MS,
): () => Promise<Readiness> {
  let running: Promise<Readiness> | undefined;
  const probe = async (): Promise<Readiness> => {
    const names = Object.keys(checks);
    const answers = await Promise.all(
      names.map((name) => answersInTime(checks[name] as ReadinessCheck, timeoutMs)),
    );
    const ready = answers.every(Boolean);
    const states = Object.fromEntries(names.map((name, i) => [name, answers[i] ? 'up' : 'down']));
    return { ready, body: { status: ready ? 'ready' : 'unavailable', ...states } };
  };
  return () => {
    running ??= probe().finally(() => {
      running = undefined;
    });
    return running;
  };
}

/** The `/readyz` handler: 200 when every check answers, 503 otherwise, never cached. */
export function readinessHandler(probe: () => Promise<Readiness>) {
  return async (_request: unknown, reply: FastifyReply) => {
    const { ready, body } = await probe();
    return reply
      .code(ready ? 200 : 503)
      .header('cache-control', 'no-store')
      .send(body);
  };
}
