/**
 * How long the server waits for a client, and how many clients it holds at once: without these a
 * socket left idle, headers sent a byte at a time or a body that never ends would each hold a
 * connection open for ever, and enough of them would use up the process's file descriptors.
 */
import type { Server, ServerOptions } from 'node:http';

/** The limits, in seconds and connections. */
export interface ConnectionLimits {
  /** From the connection (or the end of the previous request) to the end of the headers. */
  readonly headersTimeout: number;
  /** From the connection to the end of the body: a body that never ends is cut off here. */
  readonly requestTimeout: number;
  /** How long a kept-alive socket may wait, idle, for its next request. */
  readonly keepAliveTimeout: number;
  /** A socket without any traffic for this long is closed, whatever it was doing. */
  readonly idleTimeout: number;
  /** Connections held at once; more are closed as they arrive. */
  readonly maxConnections: number;
}

/**
 * Ten seconds for headers is long for any client (a browser sends them in one packet) and short
 * for a slowloris; thirty for a whole request leaves a 1 MiB body (the body limit) time to arrive
 * at about 35 KiB/s; five of keep-alive is what nginx and load balancers expect of an upstream
 * (theirs must be shorter than ours, or they reuse a socket we are closing); an idle minute covers
 * a slow database answer (requests that need one fail within seconds anyway); a thousand
 * connections stay well under a default limit of 1,024 file descriptors once the store's are counted.
 */
export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  headersTimeout: 10,
  requestTimeout: 30,
  keepAliveTimeout: 5,
  idleTimeout: 60,
  maxConnections: 1000,
};

/** The limits with defaults; throws `TypeError` when the headers may take longer than the request. */
export function connectionLimits(given: Partial<ConnectionLimits> | undefined): ConnectionLimits {
  const limits = { ...DEFAULT_CONNECTION_LIMITS, ...given };
  if (limits.headersTimeout > limits.requestTimeout)
    throw new TypeError('the headers timeout must not be longer than the request timeout');
  return limits;
}

/** The Fastify (and node:http) options that enforce the timeouts. */
export function timeoutOptions(limits: ConnectionLimits): {
  connectionTimeout: number;
  keepAliveTimeout: number;
  requestTimeout: number;
  http: ServerOptions;
} {
  const ms = (seconds: number) => seconds * 1000;
  return {
    connectionTimeout: ms(limits.idleTimeout),
    keepAliveTimeout: ms(limits.keepAliveTimeout),
    requestTimeout: ms(limits.requestTimeout),
    http: {
      headersTimeout: ms(limits.headersTimeout),
      requestTimeout: ms(limits.requestTimeout),
      // node:http looks for expired headers and requests on this interval (30 s unless told), so
      // a timeout fires up to this much late: a quarter of the shorter one.
      connectionsCheckingInterval: ms(Math.min(limits.headersTimeout, limits.requestTimeout)) / 4,
    },
  };
}

/** Closes connections beyond the limit as they arrive (node:net's `maxConnections`). */
export function limitConnections(server: Server, limits: ConnectionLimits): void {
  server.maxConnections = limits.maxConnections;
}
