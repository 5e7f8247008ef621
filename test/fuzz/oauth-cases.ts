/**
 * Generated requests to the OAuth endpoints and the sample API: signed with the project's own
 * client (`signRequest`), most with odd but validly signed content, then most with one or two
 * things broken after signing (a duplicated or array-style parameter, a broken encoding, a huge
 * value, a malformed `Authorization`, an odd content type or body, a wrong method or path).
 */
import fc from 'fast-check';
import { signRequest } from '../../src/client/sign-request.js';
import { percentEncode } from '../../src/core/percent-encoding.js';
import { BAD_ENCODINGS, CONTENT_TYPES, extraHeader, METHODS, oddBody, rawValue } from './bad-values.js';
import { type FuzzRequest, sendableTarget } from './send.js';
import type { World } from './world.js';

/** A request being built: every part raw (percent-encoded as it will be sent), so it can be broken. */
export interface Draft {
  readonly labels: string[];
  method: string;
  path: string;
  /** `name=value` pairs, raw. */
  query: string[];
  /** Protocol parameters, raw; where they go depends on `placement`. */
  oauth: [string, string][];
  placement: 'header' | 'query' | 'body';
  /** A form body's `name=value` pairs, raw; `undefined` when the body is not a form. */
  form: string[] | undefined;
  body: Buffer | undefined;
  contentType: string | undefined;
  authorization: string | undefined;
  headers: [string, string][];
  chunked: boolean;
}

type Target =
  'initiate' | 'token' | 'me' | 'me-two-legged' | 'notes' | 'note-form' | 'note-json' | 'note-delete';
const TARGETS: readonly Target[] = [
  'initiate',
  'token',
  'me',
  'me-two-legged',
  'notes',
  'note-form',
  'note-json',
  'note-delete',
];

/** What a target sends when nothing is wrong with it. */
function targetParts(world: World, target: Target, payload: Payload) {
  const consumer = { token: undefined, tokenSecret: undefined };
  const access = { token: world.access.token, tokenSecret: world.access.secret };
  switch (target) {
    case 'initiate':
      return { method: 'POST', path: '/oauth/initiate', ...consumer, extra: { oauth_callback: 'oob' } };
    case 'token':
      return {
        method: 'POST',
        path: '/oauth/token',
        token: world.request.token,
        tokenSecret: world.request.secret,
        extra: { oauth_verifier: world.request.verifier },
      };
    case 'me':
      return { method: 'GET', path: '/api/v1/me', ...access };
    case 'me-two-legged':
      return { method: 'GET', path: '/api/v1/me', ...consumer };
    case 'notes':
      return { method: 'GET', path: '/api/v1/notes', ...access };
    case 'note-form':
      return { method: 'POST', path: '/api/v1/notes', ...access, form: [['text', payload.text] as const] };
    case 'note-json':
      return { method: 'POST', path: '/api/v1/notes', ...access, json: payload.json };
    case 'note-delete':
      return { method: 'DELETE', path: `/api/v1/notes/${payload.id}`, ...access };
  }
}

/** What is odd but signed: the note's text and JSON, the id to delete, further query parameters. */
interface Payload {
  readonly text: string;
  readonly json: string;
  readonly id: string;
  readonly query: readonly (readonly [string, string])[];
}

const payload: fc.Arbitrary<Payload> = fc.record({
  text: fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.string({ unit: 'grapheme', maxLength: 1200 }),
    fc.constantFrom('', ' ', '\u0000', 'a'.repeat(1001), '<script>alert(1)</script>'),
  ),
  json: fc.oneof(
    fc.string({ maxLength: 30 }).map((text) => JSON.stringify({ text })),
    fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value) ?? 'null'),
    fc.constantFrom('null', '[]', '{"text":', '{"text":{"a":1}}', '{"__proto__":{"text":"x"}}'),
  ),
  id: fc.oneof(
    fc.nat({ max: 20 }).map(String),
    fc.constantFrom('-1', '0', '1.5', '1e400', '99999999999999999999', 'NaN', 'abc', '%zz', '%00', '%2F', ''),
  ),
  query: fc.array(fc.tuple(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 })), { maxLength: 3 }),
});

/** A signed, valid request for a target. */
function signedDraft(world: World, target: Target, options: Signing): Draft {
  const parts = targetParts(world, target, options.payload);
  const query = options.payload.query.map(([n, v]) => `${percentEncode(n)}=${percentEncode(v)}`);
  const path = parts.path;
  const json = 'json' in parts ? parts.json : undefined;
  const form = 'form' in parts ? parts.form : undefined;
  const placement = options.placement === 'body' && !form ? 'header' : options.placement;
  const signed = signRequest({
    method: parts.method,
    url: world.origin + path + (query.length ? `?${query.join('&')}` : ''),
    consumerKey: world.consumer.key,
    consumerSecret: world.consumer.secret,
    token: parts.token,
    tokenSecret: parts.tokenSecret,
    signatureMethod: options.signatureMethod,
    ...('extra' in parts ? { extra: parts.extra } : {}),
    ...(form ? { form } : {}),
    ...(json === undefined ? {} : { body: json }),
    timestamp: String(Math.floor(Date.now() / 1000)),
    nonce: options.nonce,
  });
  return {
    labels: [`${target} (${options.signatureMethod}, ${placement})`],
    method: parts.method,
    path,
    query,
    oauth: signed.oauthParameters.map(([n, v]) => [percentEncode(n), percentEncode(v)]),
    placement,
    form: form?.map(([n, v]) => `${percentEncode(n)}=${percentEncode(v)}`),
    body: json === undefined ? undefined : Buffer.from(json),
    contentType: form
      ? 'application/x-www-form-urlencoded'
      : json === undefined
        ? undefined
        : 'application/json',
    authorization: undefined,
    headers: [['host', new URL(world.origin).host]],
    chunked: false,
  };
}

interface Signing {
  readonly signatureMethod: 'HMAC-SHA1' | 'HMAC-SHA256' | 'PLAINTEXT';
  readonly placement: Draft['placement'];
  readonly nonce: string;
  readonly payload: Payload;
}

/** The request a draft stands for. */
export function serialize(draft: Draft): FuzzRequest {
  const pairs = draft.oauth.map(([n, v]) => `${n}=${v}`);
  const query =
    draft.placement === 'query' || (draft.placement === 'body' && !draft.form)
      ? [...draft.query, ...pairs]
      : draft.query;
  const form = draft.form && draft.placement === 'body' ? [...draft.form, ...pairs] : draft.form;
  const headers: [string, string][] = [...draft.headers];
  const authorization =
    draft.authorization ??
    (draft.placement === 'header'
      ? `OAuth ${draft.oauth.map(([n, v]) => `${n}="${v}"`).join(', ')}`
      : undefined);
  if (authorization !== undefined) headers.push(['authorization', authorization]);
  if (draft.contentType !== undefined) headers.push(['content-type', draft.contentType]);
  const body = draft.body ?? (form ? Buffer.from(form.join('&'), 'latin1') : undefined);
  return {
    label: draft.labels.join(' + '),
    method: draft.method,
    path: sendableTarget(draft.path + (query.length ? `?${query.join('&')}` : '')),
    headers,
    body,
    chunked: draft.chunked,
  };
}

/** One thing broken in a draft, and what it is called in a failure message. */
type Mutation = (draft: Draft) => void;

const named =
  (name: string, mutate: Mutation): Mutation =>
  (draft) => {
    draft.labels.push(name);
    mutate(draft);
  };

/** Where an extra raw `name=value` goes. */
const place = fc.constantFrom('query', 'body', 'header');
function addPair(draft: Draft, where: 'query' | 'body' | 'header', name: string, value: string): void {
  if (where === 'query') draft.query.push(`${name}=${value}`);
  else if (where === 'body' && draft.form) draft.form.push(`${name}=${value}`);
  else draft.oauth.push([name, value]);
}

function mutation(port: number): fc.Arbitrary<Mutation> {
  return fc.oneof(
    fc.tuple(fc.nat(), place, fc.boolean()).map(([i, where, same]) =>
      named(`duplicate a protocol parameter in the ${where}`, (d) => {
        const [name, value] = d.oauth[i % d.oauth.length] ?? ['oauth_nonce', 'x'];
        addPair(d, where, name, same ? value : 'other');
      }),
    ),
    fc.tuple(fc.nat(), fc.constantFrom(...BAD_ENCODINGS), fc.boolean()).map(([i, bad, inName]) =>
      named(`bad encoding ${bad} in a protocol parameter's ${inName ? 'name' : 'value'}`, (d) => {
        const pair = d.oauth[i % d.oauth.length];
        if (pair) pair[inName ? 0 : 1] = inName ? `${pair[0]}${bad}` : bad;
      }),
    ),
    fc
      .tuple(place, fc.constantFrom(...BAD_ENCODINGS), fc.boolean())
      .map(([where, bad, inName]) =>
        named(`bad encoding ${bad} in the ${where}`, (d) =>
          addPair(d, where, inName ? bad : 'a', inName ? 'b' : bad),
        ),
      ),
    fc.tuple(fc.nat(), rawValue).map(([i, value]) =>
      named(`odd value for a protocol parameter`, (d) => {
        const pair = d.oauth[i % d.oauth.length];
        if (pair) pair[1] = value;
      }),
    ),
    fc
      .nat()
      .map((i) => named('a protocol parameter dropped', (d) => void d.oauth.splice(i % d.oauth.length, 1))),
    fc
      .tuple(place, fc.integer({ min: 2000, max: 14_000 }))
      .map(([where, n]) =>
        named(`a ${n}-character value in the ${where}`, (d) => addPair(d, where, 'big', 'a'.repeat(n))),
      ),
    fc
      .tuple(
        place,
        fc.constantFrom('a[]', 'oauth_token[]', 'oauth_nonce[0]', 'text[]', 'scope[a]', 'a[b][c]'),
      )
      .map(([where, name]) =>
        named(`array-style ${name} in the ${where}`, (d) => {
          addPair(d, where, percentEncode(name), '1');
          addPair(d, where, name, '2');
        }),
      ),
    fc
      .constantFrom(
        'OAuth',
        'OAuth ',
        'OAuth ,',
        'OAuth ,,,',
        'OAuth =',
        'OAuth ="x"',
        'OAuth realm',
        'OAuth realm="',
        'OAuth oauth_consumer_key="abc',
        'OAuth oauth_consumer_key=abc',
        'OAuth oauth_consumer_key="a"b"',
        'OAuth oauth_nonce="a", oauth_nonce="b"',
        'OAuth oauth_consumer_key = "a" ,  oauth_nonce="b" ,',
        'oauth oauth_consumer_key="a"',
        'OAuth\toauth_consumer_key="a"',
        'OAuthoauth_consumer_key="a"',
        'Basic Zm9vOmJhcg==',
        'Bearer abc',
        '',
        `OAuth ${'x="y", '.repeat(1500)}`,
      )
      .map((header) =>
        named(`Authorization: ${header.slice(0, 40)}`, (d) => void (d.authorization = header)),
      ),
    fc.nat().map((cut) =>
      named('Authorization cut short', (d) => {
        const header = `OAuth ${d.oauth.map(([n, v]) => `${n}="${v}"`).join(', ')}`;
        d.authorization = header.slice(0, cut % header.length);
      }),
    ),
    fc.nat().map((at) =>
      named('Authorization with a quote removed', (d) => {
        const header = `OAuth ${d.oauth.map(([n, v]) => `${n}="${v}"`).join(', ')}`;
        const quotes = [...header.matchAll(/"/g)].map((m) => m.index);
        const index = quotes[at % quotes.length] ?? 0;
        d.authorization = header.slice(0, index) + header.slice(index + 1);
      }),
    ),
    fc
      .constantFrom(...CONTENT_TYPES)
      .map((type) => named(`Content-Type: ${type}`, (d) => void (d.contentType = type))),
    fc.tuple(oddBody, fc.option(fc.constantFrom(...CONTENT_TYPES))).map(([body, type]) =>
      named(`an odd body${type === null ? '' : ` as ${type}`}`, (d) => {
        d.form = undefined;
        d.body = body;
        if (type !== null) d.contentType = type;
      }),
    ),
    fc.constantFrom(...METHODS).map((method) => named(`method ${method}`, (d) => void (d.method = method))),
    fc
      .constantFrom(
        (p: string) => `${p}/`,
        (p: string) => p.toUpperCase(),
        (p: string) => `/${p}`,
        (p: string) => `${p};x=1`,
        (p: string) => p.replace('/o', '/%6F'),
        (p: string) => `${p}/..`,
        (p: string) => `${p}%00`,
        (p: string) => `${p}#fragment`,
        (p: string) => `${p}\u00ff`,
      )
      .map((change) => named('an odd path', (d) => void (d.path = change(d.path)))),
    extraHeader(port).map(([name, value]) =>
      named(`${name}: ${value.slice(0, 40)}`, (d) => {
        if (name === 'host') d.headers = d.headers.filter(([n]) => n !== 'host');
        d.headers.push([name, value]);
      }),
    ),
    fc
      .tuple(
        fc.integer({ min: 1, max: 4096 }),
        fc.boolean(),
        fc.constantFrom('application/x-www-form-urlencoded', 'application/octet-stream'),
      )
      .map(([over, chunked, type]) =>
        named(`a body ${over} bytes over 1 MiB${chunked ? ', chunked' : ''}`, (d) => {
          d.form = undefined;
          d.body = Buffer.alloc(1024 * 1024 + over, 'a');
          d.chunked = chunked;
          d.contentType = type;
        }),
      ),
    fc.integer({ min: 1001, max: 1500 }).map((n) =>
      named(`${n} query parameters`, (d) => {
        d.query.push(...Array.from({ length: n }, (_, i) => `p${i}=1`));
      }),
    ),
    fc.constant(
      named('a chunked body', (d) => {
        d.chunked = true;
        d.form ??= d.body ? undefined : ['text=chunked'];
        d.contentType ??= 'application/x-www-form-urlencoded';
      }),
    ),
  );
}

/** Requests to the OAuth endpoints and the API: about one in six left valid. */
export function oauthRequests(world: World): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      target: fc.constantFrom(...TARGETS),
      signatureMethod: fc.constantFrom<Signing['signatureMethod']>('HMAC-SHA1', 'HMAC-SHA256', 'PLAINTEXT'),
      placement: fc.constantFrom<Draft['placement']>('header', 'header', 'query', 'body'),
      nonce: fc.stringMatching(/^[a-z0-9]{16,32}$/),
      payload,
      mutations: fc.oneof(
        { weight: 1, arbitrary: fc.constant([]) },
        { weight: 5, arbitrary: fc.array(mutation(world.port), { minLength: 1, maxLength: 2 }) },
      ),
    })
    .map(({ target, mutations, ...signing }) => {
      const draft = signedDraft(world, target, signing);
      for (const mutate of mutations) mutate(draft);
      return serialize(draft);
    });
}
