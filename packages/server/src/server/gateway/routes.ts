/**
 * The gateway's route file: which requests go to the upstream, and the scope each one needs.
 *
 * ```json
 * {"routes": [{"method": "GET", "path": "/v1/orders/:id", "scope": "read_private"},
 *             {"method": "*", "path": "/v1/status", "public": true}]}
 * ```
 *
 * A `:name` segment matches any one segment, a trailing `/*` any rest (none included). Paths are
 * compared segment by segment after percent-decoding, case-sensitively, a trailing slash ignored; a
 * `GET` route also serves `HEAD`. The first route that matches is the one used, and a route that an
 * earlier one always wins over is refused, as is anything the file does not say clearly: the
 * reading is strict, so that a typo never leaves a path less protected than it was meant to be.
 */
import { CountersignError } from 'countersign';
import { pathSegments } from './request-path.js';

/** A route file that cannot be used; the message names the route and what is wrong, in one line. */
export class RouteFileError extends CountersignError<'route_file'> {
  override readonly name = 'RouteFileError';
  constructor(message: string) {
    super('route_file', message);
  }
}

/** One segment of a route's path: a literal (decoded) or a `:name` parameter. */
type Segment = { readonly literal: string } | { readonly param: string };

/** A route, as read from the file. */
export interface GatewayRoute {
  /** Its place in the file's `routes` list, from 0. */
  readonly index: number;
  /** An upper-case method, or `*` for any. */
  readonly method: string;
  /** The path as written. */
  readonly path: string;
  readonly segments: readonly Segment[];
  /** Whether it ends in `/*`. */
  readonly rest: boolean;
  readonly scope?: string | undefined;
  /** Forwarded without verification. */
  readonly public: boolean;
}

const KEYS = new Set(['method', 'path', 'scope', 'public']);
const METHOD = /^[A-Z]+(?:-[A-Z]+)*$/;
const PARAM = /^:[A-Za-z_][A-Za-z0-9_]*$/;
const SCOPE = /^[A-Za-z0-9_.:-]+$/;
/** Characters a path in the file may not hold as they are. */
// eslint-disable-next-line no-control-regex -- control characters are what this refuses
const NOT_IN_PATH = /[\u0000-\u0020\u007f"<>`{}|^?#;\\]/;
/** More routes than any API needs: each request is matched against them in turn. */
const MAX_ROUTES = 10_000;

/** How a route is named in a message: `routes[2] (GET /v1/orders/:id)`. */
export function routeName(route: { index: number; method?: unknown; path?: unknown }): string {
  const show = (value: unknown) => (typeof value === 'string' ? value : (JSON.stringify(value) ?? '?'));
  return `routes[${route.index}] (${show(route.method)} ${show(route.path)})`;
}

function parsePath(path: string, fail: (what: string) => never): Pick<GatewayRoute, 'segments' | 'rest'> {
  if (!path.startsWith('/')) fail('path must start with /');
  if (path.length > 2048) fail('path is longer than 2048 characters');
  if (NOT_IN_PATH.test(path))
    fail('path holds a space, a control character or one of " < > ` { } | ^ ? # ; \\');
  if (path !== '/' && path.endsWith('/'))
    fail('path must not end with / (a trailing slash is ignored when matching)');
  const raw = path === '/' ? [] : path.slice(1).split('/');
  const rest = raw.at(-1) === '*';
  if (rest) raw.pop();
  const params = new Set<string>();
  const segments = raw.map((segment): Segment => {
    if (segment.includes('*')) fail('* stands alone, as the last segment (/*)');
    if (segment.startsWith(':')) {
      if (!PARAM.test(segment)) fail(`${segment} is not a parameter name (letters, digits and _)`);
      if (params.has(segment)) fail(`${segment} appears twice`);
      params.add(segment);
      return { param: segment.slice(1) };
    }
    const decoded = pathSegments(`/${segment}`);
    if (decoded?.length !== 1)
      fail(`segment ${JSON.stringify(segment)} is empty, a dot segment, or a bad percent-escape`);
    return { literal: decoded[0] as string };
  });
  return { segments, rest };
}

function parseRoute(value: unknown, index: number): GatewayRoute {
  const entry = (value ?? {}) as Record<string, unknown>;
  const fail = (what: string): never => {
    throw new RouteFileError(`${routeName({ index, method: entry.method, path: entry.path })}: ${what}`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('a route is an object');
  const unknown = Object.keys(entry).filter((key) => !KEYS.has(key));
  if (unknown.length > 0)
    fail(
      `unknown ${unknown.map((k) => JSON.stringify(k)).join(', ')} (a route has method, path, scope, public)`,
    );
  const { method, path, scope } = entry;
  if (typeof method !== 'string' || (method !== '*' && !METHOD.test(method)))
    fail('method must be an upper-case HTTP method (GET, POST, …) or "*"');
  if (typeof path !== 'string') fail('path must be a string');
  if (entry.public !== undefined && typeof entry.public !== 'boolean') fail('public must be true or false');
  const isPublic = entry.public === true;
  if (scope !== undefined) {
    if (isPublic) fail('a public route takes no scope');
    if (typeof scope !== 'string' || !SCOPE.test(scope))
      fail('scope must be a name of letters, digits and _ . : -');
  }
  return {
    index,
    method: method as string,
    path: path as string,
    ...parsePath(path as string, fail),
    scope: scope as string | undefined,
    public: isPublic,
  };
}

/** Whether a request with this method is one route method `method` serves. */
function methodMatches(method: string, requested: string): boolean {
  return method === '*' || method === requested || (method === 'GET' && requested === 'HEAD');
}

/** Whether every path route `b` matches is matched by route `a` too. */
function covers(
  a: Pick<GatewayRoute, 'segments' | 'rest'>,
  b: Pick<GatewayRoute, 'segments' | 'rest'>,
): boolean {
  if (a.segments.length > b.segments.length) return false;
  if (!a.rest && (b.rest || a.segments.length !== b.segments.length)) return false;
  return a.segments.every((segment, i) => {
    const other = b.segments[i] as Segment;
    return 'param' in segment || ('literal' in other && other.literal === segment.literal);
  });
}

/** Whether some path is matched by both. */
export function overlaps(
  a: Pick<GatewayRoute, 'segments' | 'rest'>,
  b: Pick<GatewayRoute, 'segments' | 'rest'>,
): boolean {
  const shared = Math.min(a.segments.length, b.segments.length);
  for (let i = 0; i < shared; i++) {
    const x = a.segments[i] as Segment;
    const y = b.segments[i] as Segment;
    if ('literal' in x && 'literal' in y && x.literal !== y.literal) return false;
  }
  if (a.segments.length === b.segments.length) return true;
  return a.segments.length < b.segments.length ? a.rest : b.rest;
}

/**
 * Reads a route file's text; throws `RouteFileError` naming the first route that is wrong.
 *
 * @example
 * ```ts
 * const routes = parseRouteFile('{"routes": [{"method": "GET", "path": "/v1/me", "scope": "read_public"}]}');
 * matchRoute(routes, 'GET', ['v1', 'me'])?.scope; // 'read_public'
 * ```
 */
export function parseRouteFile(text: string): readonly GatewayRoute[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new RouteFileError(`not JSON: ${(error as Error).message.split('\n')[0]}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new RouteFileError('the file must be an object: {"routes": [...]}');
  const extra = Object.keys(parsed).filter((key) => key !== 'routes');
  if (extra.length > 0)
    throw new RouteFileError(
      `unknown ${extra.map((k) => JSON.stringify(k)).join(', ')} (the file has only "routes")`,
    );
  const list = (parsed as { routes?: unknown }).routes;
  if (!Array.isArray(list) || list.length === 0)
    throw new RouteFileError('"routes" must be a list of at least one route');
  if (list.length > MAX_ROUTES) throw new RouteFileError(`more than ${MAX_ROUTES} routes`);
  const routes = list.map(parseRoute);
  for (const later of routes) {
    const earlier = routes.find(
      (route) =>
        route.index < later.index &&
        (route.method === '*' || route.method === later.method) &&
        covers(route, later),
    );
    if (earlier)
      throw new RouteFileError(
        `${routeName(later)}: never used, as ${routeName(earlier)} before it matches every request it would`,
      );
  }
  return routes;
}

/** The first route serving `method` at the decoded `segments`, if any. */
export function matchRoute(
  routes: readonly GatewayRoute[],
  method: string,
  segments: readonly string[],
): GatewayRoute | undefined {
  for (const route of routes) {
    if (!methodMatches(route.method, method)) continue;
    if (route.rest ? segments.length < route.segments.length : segments.length !== route.segments.length)
      continue;
    if (route.segments.every((s, i) => 'param' in s || s.literal === segments[i])) return route;
  }
  return undefined;
}

/**
 * A path pattern of the server's own (Fastify's syntax: `:name` one segment, `*` any rest), in
 * the form `overlaps` takes.
 */
export function serverPattern(url: string): Pick<GatewayRoute, 'segments' | 'rest'> {
  const raw = url === '/' ? [] : url.replace(/^\//, '').split('/');
  const rest = raw.at(-1) === '*';
  if (rest) raw.pop();
  return {
    segments: raw.map((s) => (s.startsWith(':') ? { param: s.slice(1) } : { literal: s })),
    rest,
  };
}
