/** Prometheus metrics: requests by route, method and status; problems by name and endpoint. */
import { Counter, collectDefaultMetrics, Registry } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  readonly requests: Counter<'route' | 'method' | 'status'>;
  readonly problems: Counter<'problem' | 'endpoint'>;
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
