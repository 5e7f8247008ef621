/**
 * Breaking a signed request after signing: the request as a draft of raw parts, and the mutations
 * that each break one thing (a duplicated or array-style parameter, a broken encoding, a huge value,
 * a malformed `Authorization`, an odd content type or body, a wrong method or path, a body past the
 * limit, too many parameters, chunking). A table of one-line cases, hence its length.
 */
import fc from 'fast-check';
import { percentEncode } from '../../packages/countersign/src/core/percent-encoding.js';
import { BAD_ENCODINGS, CONTENT_TYPES, extraHeader, METHODS, oddBody, rawValue } from './bad-values.js';
import { type FuzzRequest, sendableTarget } from './send.js';

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
export type Mutation = (draft: Draft) => void;

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

export function mutation(port: number): fc.Arbitrary<Mutation> {
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
