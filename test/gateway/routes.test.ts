/**
 * The route file is read strictly, and matched as the upstream will read the path: every mistake
 * is one line naming the route and what is wrong; a route another before it always wins over, or
 * one overlapping the server's own paths, is refused at start.
 */
import { describe, expect, it } from 'vitest';
import { buildServer } from '../../packages/server/src/server/app.js';
import { pathSegments } from '../../packages/server/src/server/gateway/request-path.js';
import {
  matchRoute,
  parseRouteFile,
  RouteFileError,
} from '../../packages/server/src/server/gateway/routes.js';
import { MemoryStore } from '../../packages/countersign/src/stores/memory-store.js';

const file = (...routes: unknown[]) => JSON.stringify({ routes });

describe('parseRouteFile', () => {
  it('reads the documented example', () => {
    const routes = parseRouteFile(
      file(
        { method: 'GET', path: '/v1/orders/:id', scope: 'read_private' },
        { method: '*', path: '/v1/status', public: true },
      ),
    );
    expect(routes.map((r) => [r.method, r.path, r.scope, r.public])).toEqual([
      ['GET', '/v1/orders/:id', 'read_private', false],
      ['*', '/v1/status', undefined, true],
    ]);
  });

  it.each([
    ['not json', '{routes', /^not JSON: /],
    ['an array', '[]', /must be an object/],
    ['another key', JSON.stringify({ routes: [{ method: 'GET', path: '/a' }], extra: 1 }), /unknown "extra"/],
    ['no routes', JSON.stringify({ routes: [] }), /at least one route/],
    ['a route that is not an object', file('GET /a'), /^routes\[0\] .*: a route is an object/],
    [
      'an unknown key',
      file({ method: 'GET', path: '/a', scopes: 'x' }),
      /^routes\[0\] \(GET \/a\): unknown "scopes"/,
    ],
    ['a lower-case method', file({ method: 'get', path: '/a' }), /^routes\[0\] \(get \/a\): method must be/],
    [
      'no method',
      file({ path: '/a' }),
      /^routes\[0\] \(\? \/a\)|^routes\[0\] \(undefined \/a\)|method must be/,
    ],
    ['a relative path', file({ method: 'GET', path: 'v1/a' }), /path must start with \//],
    ['a query in the path', file({ method: 'GET', path: '/a?b=1' }), /path holds/],
    ['a trailing slash', file({ method: 'GET', path: '/a/' }), /must not end with \//],
    ['an empty segment', file({ method: 'GET', path: '/a//b' }), /empty, a dot segment/],
    ['a dot segment', file({ method: 'GET', path: '/a/../b' }), /empty, a dot segment/],
    ['a * inside the path', file({ method: 'GET', path: '/a/*/b' }), /\* stands alone/],
    ['a * in a segment', file({ method: 'GET', path: '/a/*.json' }), /\* stands alone/],
    ['a bad parameter', file({ method: 'GET', path: '/a/:1x' }), /not a parameter name/],
    ['a repeated parameter', file({ method: 'GET', path: '/a/:id/:id' }), /appears twice/],
    ['a bad escape', file({ method: 'GET', path: '/a/%zz' }), /bad percent-escape/],
    ['a bad scope', file({ method: 'GET', path: '/a', scope: 'read public' }), /scope must be/],
    [
      'a scope on a public route',
      file({ method: 'GET', path: '/a', scope: 'x', public: true }),
      /takes no scope/,
    ],
    [
      'public not a boolean',
      file({ method: 'GET', path: '/a', public: 'yes' }),
      /public must be true or false/,
    ],
    [
      'a route never reached',
      file(
        { method: '*', path: '/v1/*', public: true },
        { method: 'GET', path: '/v1/admin', scope: 'admin' },
      ),
      /^routes\[1\] \(GET \/v1\/admin\): never used, as routes\[0\] \(\* \/v1\/\*\) before it matches every request it would$/,
    ],
    [
      'a parameter before a literal',
      file({ method: 'GET', path: '/v1/:id' }, { method: 'GET', path: '/v1/admin', scope: 'admin' }),
      /^routes\[1\] .*never used/,
    ],
  ])('refuses %s in one line', (_name, text, message) => {
    let thrown: unknown;
    try {
      parseRouteFile(text);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(RouteFileError);
    expect((thrown as Error).message).toMatch(message);
    expect((thrown as Error).message).not.toContain('\n');
  });

  it('keeps routes that only partly overlap, the first one winning', () => {
    const routes = parseRouteFile(
      file(
        { method: 'GET', path: '/v1/admin/*', scope: 'admin' },
        { method: 'GET', path: '/v1/:x/list', public: true },
      ),
    );
    expect(matchRoute(routes, 'GET', ['v1', 'admin', 'list'])?.index).toBe(0);
    expect(matchRoute(routes, 'GET', ['v1', 'other', 'list'])?.index).toBe(1);
  });
});

describe('matchRoute', () => {
  const routes = parseRouteFile(
    file(
      { method: 'GET', path: '/v1/orders/:id', scope: 'read' },
      { method: 'POST', path: '/v1/orders', scope: 'write' },
      { method: '*', path: '/v1/files/*', public: true },
      { method: 'GET', path: '/v1/caf%C3%A9' },
    ),
  );
  const match = (method: string, path: string) => {
    const segments = pathSegments(path);
    return segments && matchRoute(routes, method, segments)?.index;
  };

  it.each([
    ['GET', '/v1/orders/7', 0],
    ['HEAD', '/v1/orders/7', 0],
    ['GET', '/v1/orders/7/', 0],
    ['GET', '/v1/orders/%37', 0],
    ['POST', '/v1/orders', 1],
    ['PUT', '/v1/files', 2],
    ['DELETE', '/v1/files/a/b/c', 2],
    ['GET', '/v1/café', 3],
    ['GET', '/v1/caf%C3%A9', 3],
  ])('%s %s → route %s', (method, path, index) => {
    expect(match(method, path)).toBe(index);
  });

  it.each([
    ['POST', '/v1/orders/7'],
    ['GET', '/v1/orders'],
    ['GET', '/v1/orders/7/items'],
    ['GET', '/V1/orders/7'],
    ['GET', '/v1/filesystem'],
  ])('%s %s → no route', (method, path) => {
    expect(match(method, path)).toBeUndefined();
  });
});

describe('routes and the server’s own paths', () => {
  it.each([
    ['/oauth/*', { method: 'GET', path: '/oauth/custom' }],
    ['/healthz', { method: 'POST', path: '/healthz' }],
    ['/', { method: '*', path: '/*' }],
    ['/console', { method: 'GET', path: '/:page' }],
    ['/static/*', { method: 'GET', path: '/static/app.js' }],
  ])('refuses a route overlapping %s when forwarding', async (_own, route) => {
    const routes = parseRouteFile(file(route));
    await expect(
      buildServer({ store: new MemoryStore(), gateway: { routes, upstream: 'http://127.0.0.1:9' } }),
    ).rejects.toThrow(/^routes\[0\] .*: overlaps the server's own path /);
  });

  it('takes any route for forward-auth alone: the paths are the upstream’s, behind the proxy', async () => {
    const routes = parseRouteFile(file({ method: 'GET', path: '/*' }));
    const app = await buildServer({ store: new MemoryStore(), gateway: { routes } });
    await app.close();
  });
});
