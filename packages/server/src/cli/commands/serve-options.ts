/**
 * The options of `countersign serve`: where it listens, its store, the proxies it trusts, the
 * lifetimes and limits of the provider, its timeouts, and where its metrics are served.
 */
import { compileTrustProxy, PROVIDER_DEFAULTS } from 'countersign';
import { DEFAULT_CONNECTION_LIMITS } from '../../server/connection-limits.js';
import { InvalidValueError } from '../cli-error.js';
import { STORE_OPTIONS } from '../open-store.js';
import {
  anyText,
  baseUrl,
  byteSize,
  flag,
  option,
  secondsOrNone,
  urlWithScheme,
  wholeNumber,
} from '../option-types.js';

/** The environment variable a `/metrics` token may come in (never the command line: `ps` shows it). */
export const METRICS_TOKEN_VARIABLE = 'COUNTERSIGN_METRICS_TOKEN';

const seconds = (help: string, env: string, defaultValue?: number) =>
  option({
    value: 'SECONDS',
    env,
    help,
    parse: wholeNumber(1, 3600),
    ...(defaultValue === undefined ? {} : { defaultText: String(defaultValue) }),
  });

const trustedProxies = (text: string) => {
  try {
    compileTrustProxy(text);
  } catch {
    throw new InvalidValueError(
      'must be a comma-separated list of addresses or CIDR ranges (or loopback, linklocal, uniquelocal)',
    );
  }
  return text;
};

const DAY = 86_400;

/** The upstream's origin, from `--upstream`: http or https, with no path, query or credentials. */
const upstreamOrigin = (value: string) => {
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
    throw new InvalidValueError(
      'must be an http or https origin, like http://127.0.0.1:8080 (no path, query or credentials)',
    );
  return url.origin;
};

/**
 * Every option of `countersign serve`, each with its variable: one entry here is the flag, its
 * environment variable, its parsing, its help and its place in the README's usage line.
 */
export const SERVE_OPTIONS = {
  port: option({
    value: 'N',
    env: 'PORT',
    help: 'the port to listen on (0: any free port)',
    parse: wholeNumber(0, 65535),
    default: 3000,
  }),
  host: option({
    value: 'H',
    env: 'HOST',
    help: 'the address to listen on',
    parse: anyText,
    default: '127.0.0.1',
  }),
  ...STORE_OPTIONS,
  'redis-url': option({
    value: 'URL',
    env: 'REDIS_URL',
    help: 'keep nonces and rate limits in Redis, shared by every instance',
    parse: urlWithScheme(['redis', 'rediss'], 'redis://localhost:6379'),
  }),
  'public-url': option({
    value: 'URL',
    env: 'COUNTERSIGN_PUBLIC_URL',
    help: 'the URL clients sign against, when a proxy in front changes the scheme, host or path',
    parse: baseUrl('https://api.example.com'),
  }),
  'trust-proxy': flag({
    env: 'COUNTERSIGN_TRUST_PROXY',
    help: 'trust the X-Forwarded-* headers of the proxy directly in front (one hop)',
  }),
  'trust-proxy-hops': option({
    value: 'N',
    env: 'COUNTERSIGN_TRUST_PROXY_HOPS',
    help: 'trust N proxies in front',
    parse: wholeNumber(1, 16),
  }),
  'trust-proxy-from': option({
    value: 'LIST',
    env: 'COUNTERSIGN_TRUST_PROXY_FROM',
    help: 'trust only proxies at these addresses or ranges (10.0.0.0/8,::1; also loopback, linklocal, uniquelocal)',
    parse: trustedProxies,
  }),
  'request-token-ttl': option({
    value: 'SECONDS',
    env: 'COUNTERSIGN_REQUEST_TOKEN_TTL',
    help: 'how long a request token may be authorized and exchanged',
    parse: wholeNumber(1, DAY),
    default: PROVIDER_DEFAULTS.requestTokenTtl,
  }),
  'access-token-ttl': option({
    value: 'SECONDS|none',
    env: 'COUNTERSIGN_ACCESS_TOKEN_TTL',
    help: 'how long an access token lives after it is issued; none: until revoked',
    parse: secondsOrNone(1, 3650 * DAY),
    defaultText: 'none',
  }),
  'timestamp-window': option({
    value: 'SECONDS',
    env: 'COUNTERSIGN_TIMESTAMP_WINDOW',
    help: "the clock skew accepted either side of the server's clock",
    parse: wholeNumber(1, DAY),
    default: PROVIDER_DEFAULTS.timestampWindow,
  }),
  'body-limit': option({
    value: 'BYTES',
    env: 'COUNTERSIGN_BODY_LIMIT',
    help: 'the largest body the OAuth endpoints and the API read (64k, 10m); more is 413',
    parse: byteSize(1, 1024 ** 3),
    // The adapter's own default applies when none is given.
    defaultText: '1m',
  }),
  'parameter-limit': option({
    value: 'N',
    env: 'COUNTERSIGN_PARAMETER_LIMIT',
    help: 'the most parameters a signed request may carry in its query and body; more is parameter_rejected',
    parse: wholeNumber(1, 1_000_000),
    default: PROVIDER_DEFAULTS.parameterLimit,
  }),
  'headers-timeout': seconds(
    "how long a client may take to send a request's headers",
    'COUNTERSIGN_HEADERS_TIMEOUT',
    DEFAULT_CONNECTION_LIMITS.headersTimeout,
  ),
  'request-timeout': seconds(
    'how long a client may take to send a whole request',
    'COUNTERSIGN_REQUEST_TIMEOUT',
    DEFAULT_CONNECTION_LIMITS.requestTimeout,
  ),
  'keep-alive-timeout': seconds(
    'how long an idle kept-alive connection is held',
    'COUNTERSIGN_KEEP_ALIVE_TIMEOUT',
    DEFAULT_CONNECTION_LIMITS.keepAliveTimeout,
  ),
  'max-connections': option({
    value: 'N',
    env: 'COUNTERSIGN_MAX_CONNECTIONS',
    help: 'connections held at once; more are closed as they arrive',
    parse: wholeNumber(1, 1_000_000),
    defaultText: String(DEFAULT_CONNECTION_LIMITS.maxConnections),
  }),
  'metrics-port': option({
    value: 'N',
    env: 'COUNTERSIGN_METRICS_PORT',
    help: 'serve /metrics on a listener of its own instead of the main one',
    parse: wholeNumber(0, 65535),
  }),
  'metrics-host': option({
    value: 'H',
    env: 'COUNTERSIGN_METRICS_HOST',
    help: 'the address of the metrics listener',
    parse: anyText,
    default: '127.0.0.1',
  }),
  'metrics-token-file': option({
    value: 'FILE',
    env: 'COUNTERSIGN_METRICS_TOKEN_FILE',
    help: 'a file holding the bearer token /metrics requires',
    parse: anyText,
  }),
  routes: option({
    value: 'FILE',
    env: 'COUNTERSIGN_ROUTES',
    help: "the gateway's route file (JSON): which requests are verified with which scope, and forwarded",
    parse: anyText,
  }),
  upstream: option({
    value: 'URL',
    env: 'COUNTERSIGN_UPSTREAM',
    help: 'the API the gateway forwards verified requests to (the sample API is then off)',
    parse: upstreamOrigin,
  }),
  'upstream-timeout': option({
    value: 'SECONDS',
    env: 'COUNTERSIGN_UPSTREAM_TIMEOUT',
    help: 'how long the upstream may take to begin its answer before the gateway answers 504',
    parse: wholeNumber(1, 3600),
    defaultText: '30',
  }),
};
