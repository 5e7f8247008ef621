/**
 * Generated requests to the pages: mostly a signed-in session with a real CSRF token and cookie,
 * then fields missing, duplicated, array-style or odd (a `next` with CR/LF, huge values, broken
 * encodings), forms sent as JSON (`null`, arrays, deep nesting) or another content type, and the
 * CSRF token itself missing, wrong, duplicated or an array.
 */
import fc from 'fast-check';
import { percentEncode } from '../../packages/countersign/src/core/percent-encoding.js';
import { BAD_ENCODINGS, CONTENT_TYPES, extraHeader, METHODS, oddBody, rawValue } from './bad-values.js';
import { type FuzzRequest, sendableTarget } from './send.js';
import type { World } from './world.js';

/** A page, and the fields (query for GET, form for POST) it reads. */
interface Page {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly fields: readonly string[];
}

/** The console's actions on an application: drawn as often, together, as one other page. */
function actions(world: World): Page[] {
  return [
    ...['suspend', 'resume', 'end-previous-secret', 'secret', 'nosuchaction', '%zz'].map((action): Page => ({
      method: 'POST',
      path: `/console/apps/${world.ownApp}/${action}`,
      fields: [],
    })),
    { method: 'POST', path: `/console/apps/${world.ownApp}/rotate`, fields: ['confirm', 'grace'] },
    { method: 'POST', path: `/console/apps/${world.ownApp}/delete`, fields: ['confirm'] },
    { method: 'POST', path: `/console/apps/${world.ownApp}/doctor`, fields: ['request', 'base_string'] },
    {
      method: 'POST',
      path: `/console/apps/${world.ownApp}/edit`,
      fields: ['name', 'description', 'callback', 'scopes', 'methods', 'two_legged', 'rsa_public_key'],
    },
    { method: 'POST', path: '/console/apps/nosuchapp/rotate', fields: ['confirm', 'grace'] },
  ];
}

function pages(world: World): Page[] {
  const app = world.ownApp;
  const get = (path: string, ...fields: string[]): Page => ({ method: 'GET', path, fields });
  const post = (path: string, ...fields: string[]): Page => ({ method: 'POST', path, fields });
  return [
    get('/'),
    get('/login', 'next'),
    get('/signup', 'next'),
    get('/console'),
    get('/console/new'),
    get('/console/new-lms'),
    get(`/console/apps/${app}`, 'registered', 'done'),
    get(`/console/apps/${app}/edit`),
    get(`/console/apps/${app}/rotate`),
    get(`/console/apps/${app}/delete`),
    get('/static/console.js'),
    get('/console/apps/nosuchapp', 'done'),
    get('/console/apps/%zz'),
    get('/connections', 'done'),
    get('/healthz'),
    get('/static/style.css'),
    get('/oauth/authorize', 'oauth_token'),
    post('/login', 'name', 'password', 'next'),
    post('/signup', 'name', 'password', 'next'),
    post('/logout'),
    post(
      '/console/apps',
      'name',
      'description',
      'callback',
      'scopes',
      'methods',
      'two_legged',
      'rsa_public_key',
    ),
    post('/connections/revoke', 'token'),
    post('/lti/grade', 'launch', 'score'),
    post('/console/lms', 'name', 'description', 'key', 'methods'),
    post('/oauth/authorize', 'oauth_token', 'decision', 'scopes'),
  ];
}

/** Values that a field might get: plausible ones, redirects that leave the site, markup, the world's tokens. */
function fieldValue(world: World): fc.Arbitrary<string> {
  return fc.oneof(
    fc
      .constantFrom(
        '',
        'fuzzer',
        'plum kettle wander',
        'a new user',
        '/console',
        '//evil.example',
        '/\\evil.example',
        '/\r\nSet-Cookie: x=1',
        '/\r\nLocation: http://evil.example/',
        'http://evil.example/',
        'javascript:alert(1)',
        '<script>alert(1)</script>',
        '"><img src=x>',
        'oob',
        'https://app.example/cb',
        'read_public',
        'write_private',
        'no_such_scope',
        'HMAC-SHA1',
        'RSA-SHA1',
        'on',
        'approve',
        'deny',
        '-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----',
        'rotate',
        'delete',
        '3600',
        'GET&http%3A%2F%2F127.0.0.1%2Fapi%2Fv1%2Fme&oauth_nonce%3D1%26oauth_timestamp%3D2',
        'GET /api/v1/me?a=%zz HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: OAuth oauth_consumer_key="x"\r\n\r\n',
        `curl -X POST 'http://127.0.0.1/oauth/initiate' -H "Authorization: OAuth oauth_nonce=\\"1\\"" -d 'a=b' --data-urlencode $'c=\\x41 b'`,
        'curl "http://127.0.0.1/$(id)" -d @/etc/passwd',
        world.undecided,
        world.access.token,
      )
      .map(percentEncode),
    rawValue,
  );
}

/** How a field is sent: once, missing, twice, or array-style. */
const fieldShape = fc.constantFrom('once', 'once', 'once', 'missing', 'twice', 'array');

/** How the CSRF token is sent. */
const csrfShape = fc.constantFrom(
  'valid',
  'valid',
  'valid',
  'valid',
  'missing',
  'wrong',
  'twice',
  'array',
  'header',
);

/** How a POST body is encoded. */
const encoding = fc.constantFrom('form', 'form', 'form', 'json', 'json-odd', 'odd', 'type');

/** JSON bodies a form handler does not expect: not an object, or objects where strings belong. */
const ODD_JSON = [
  'null',
  '[]',
  '"text"',
  '1',
  'true',
  '{"name":{"a":1},"password":["a","b"],"next":null}',
  '{"oauth_token":{"toString":1},"decision":["approve"],"scopes":{"a":1}}',
  '{"token":[1,2],"callback":{"a":1},"scopes":[null],"methods":[{}],"description":[],"rsa_public_key":{}}',
  '{"__proto__":{"name":"x"}}',
  `${'['.repeat(200_000)}${']'.repeat(200_000)}`,
];

interface PageCase {
  readonly page: Page;
  readonly session: boolean;
  readonly csrf: string;
  readonly fields: readonly { readonly shape: string; readonly value: string; readonly other: string }[];
  readonly encoding: string;
  readonly oddBody: Buffer;
  readonly oddJson: string;
  readonly contentType: string;
  readonly header: [string, string] | null;
  readonly method: string | null;
  readonly chunked: boolean;
}

/** `name=value` pairs, raw, for a page's fields as their shapes say. */
function pairs(c: PageCase, world: World): [string, string][] {
  const out: [string, string][] = [];
  c.page.fields.forEach((name, i) => {
    const field = c.fields[i];
    if (!field || field.shape === 'missing') return;
    if (field.shape === 'array') out.push([`${name}[]`, field.value], [`${name}[]`, field.other]);
    else out.push([name, field.value]);
    if (field.shape === 'twice') out.push([name, field.other]);
  });
  const token = percentEncode(world.csrfToken);
  const csrf: Record<string, [string, string][]> = {
    valid: [['_csrf', token]],
    wrong: [['_csrf', 'not-a-token']],
    twice: [
      ['_csrf', token],
      ['_csrf', token],
    ],
    array: [['_csrf[]', token]],
  };
  return [...(csrf[c.csrf] ?? []), ...out];
}

/** A form's pairs as a JSON object (decoded; repeated names become arrays). */
function asJson(list: [string, string][]): string {
  const object: Record<string, string | string[]> = {};
  for (const [rawName, rawValue] of list) {
    const name = rawName.replace(/\[\]$/, '');
    let value: string;
    try {
      value = decodeURIComponent(rawValue);
    } catch {
      value = rawValue;
    }
    const seen = object[name];
    object[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return JSON.stringify(object);
}

function toRequest(c: PageCase, world: World): FuzzRequest {
  const list = pairs(c, world);
  const headers: [string, string][] = [['host', new URL(world.origin).host]];
  if (c.session) headers.push(['cookie', world.cookie]);
  if (c.csrf === 'header') headers.push(['x-csrf-token', world.csrfToken]);
  let path = c.page.path;
  let body: Buffer | undefined;
  const labels = [
    `${c.page.method} ${c.page.path}`,
    c.session ? 'signed in' : 'signed out',
    `csrf ${c.csrf}`,
  ];
  const encoded = list.map(([n, v]) => `${n}=${v}`).join('&');
  if (c.page.method === 'GET') {
    if (encoded) path += `?${encoded}`;
  } else if (c.encoding === 'json') {
    body = Buffer.from(asJson(list));
    headers.push(['content-type', 'application/json']);
    labels.push('as JSON');
  } else if (c.encoding === 'json-odd') {
    // The token cannot ride in a body that is not an object: it goes in the header the plugin reads.
    body = Buffer.from(c.oddJson);
    headers.push(['content-type', 'application/json'], ['x-csrf-token', world.csrfToken]);
    labels.push(`odd JSON ${c.oddJson.slice(0, 40)}`);
  } else if (c.encoding === 'odd') {
    body = c.oddBody;
    headers.push(['content-type', c.contentType]);
    labels.push(`an odd body as ${c.contentType}`);
  } else {
    body = Buffer.from(encoded, 'latin1');
    const type = c.encoding === 'type' ? c.contentType : 'application/x-www-form-urlencoded';
    headers.push(['content-type', type]);
    labels.push(`a form as ${type}`);
  }
  if (c.header) {
    headers.push(c.header);
    labels.push(`${c.header[0]}: ${c.header[1].slice(0, 40)}`);
  }
  if (c.chunked && body) labels.push('chunked');
  if (c.method) labels.push(`method ${c.method}`);
  return {
    label: labels.join(', '),
    method: c.method ?? c.page.method,
    path: sendableTarget(path),
    headers,
    body,
    chunked: c.chunked && body !== undefined,
  };
}

/** `arbitrary` once in `1 + odds` times, `null` otherwise. */
function rarely<T>(arbitrary: fc.Arbitrary<T>, odds: number): fc.Arbitrary<T | null> {
  return fc.oneof({ weight: odds, arbitrary: fc.constant(null) }, { weight: 1, arbitrary });
}

/** Requests to the pages. */
export function pageRequests(world: World): fc.Arbitrary<FuzzRequest> {
  const value = fieldValue(world);
  return fc
    .record({
      page: fc.oneof(
        { weight: pages(world).length, arbitrary: fc.constantFrom(...pages(world)) },
        { weight: 2, arbitrary: fc.constantFrom(...actions(world)) },
      ),
      session: fc.oneof(
        { weight: 4, arbitrary: fc.constant(true) },
        { weight: 1, arbitrary: fc.constant(false) },
      ),
      csrf: csrfShape,
      fields: fc.array(fc.record({ shape: fieldShape, value, other: value }), { minLength: 7, maxLength: 7 }),
      encoding,
      oddBody,
      oddJson: fc.constantFrom(...ODD_JSON),
      contentType: fc.constantFrom(...CONTENT_TYPES),
      header: rarely(extraHeader(world.port), 3),
      method: rarely(fc.constantFrom(...METHODS), 7),
      chunked: fc.boolean(),
    })
    .map((c) => toRequest(c, world));
}

/** Paths nobody serves, and wrong methods on every path. */
export function strayRequests(world: World): fc.Arbitrary<FuzzRequest> {
  const paths = [
    ...[...pages(world), ...actions(world)].map((p) => p.path),
    '/oauth/initiate',
    '/oauth/token',
    '/api/v1/me',
    '/api/v1/notes',
    '/api/v1/notes/1',
    '/lti/launch',
    '/lti/grade',
    '/nope',
    '/api/v2/me',
    '/api/v1/notes/1/2',
    '/static/../../etc/passwd',
    '/static/%2e%2e/%2e%2e/etc/passwd',
    '/static/style.css/',
    '/oauth',
    '/%00',
    '/%zz',
    `/${'a'.repeat(12_000)}`,
    `/login?next=${'/'.repeat(12_000)}`,
    ...BAD_ENCODINGS.map((bad) => `/login?${bad}`),
  ];
  return fc
    .record({
      method: fc.constantFrom(...METHODS),
      path: fc.constantFrom(...paths),
      header: fc.option(extraHeader(world.port)),
      session: fc.boolean(),
    })
    .map(({ method, path, header, session }) => ({
      label: `stray ${method}${header ? `, ${header[0]}: ${header[1].slice(0, 40)}` : ''}`,
      method,
      path,
      headers: [
        ['host', new URL(world.origin).host],
        ...(session ? [['cookie', world.cookie] as [string, string]] : []),
        ...(header ? [header] : []),
      ],
    }));
}
