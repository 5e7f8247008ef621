/**
 * Generated requests to the OAuth endpoints and the sample API: signed with the project's own
 * client (`signRequest`), most with odd but validly signed content, then most with one or two
 * things broken after signing (the mutations of `oauth-mutations.ts`).
 */
import fc from 'fast-check';
import { signRequest } from '../../packages/countersign/src/client/sign-request.js';
import { percentEncode } from '../../packages/countersign/src/core/percent-encoding.js';
import { type Draft, mutation, serialize } from './oauth-mutations.js';
import type { FuzzRequest } from './send.js';
import type { World } from './world.js';

type Target =
  | 'initiate'
  | 'token'
  | 'me'
  | 'me-two-legged'
  | 'notes'
  | 'note-form'
  | 'note-json'
  | 'note-delete'
  | 'launch';
const TARGETS: readonly Target[] = [
  'launch',
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
    case 'launch':
      return {
        method: 'POST',
        path: '/lti/launch',
        ...consumer,
        signer: world.lms,
        extra: { oauth_callback: 'about:blank' },
        form: [
          ['lti_message_type', 'basic-lti-launch-request'],
          ['lti_version', 'LTI-1p0'],
          ['resource_link_id', payload.text],
          ['roles', payload.text],
          ['lis_person_name_full', payload.text],
          ['launch_presentation_return_url', `https://lms.example/return?x=${payload.id}`],
          // Nothing listens there: the page's grade form is made, no grade is sent.
          ['lis_outcome_service_url', 'http://127.0.0.1:9/outcomes'],
          ['lis_result_sourcedid', payload.text],
        ] as const,
      };
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
    consumerKey: ('signer' in parts ? parts.signer : world.consumer).key,
    consumerSecret: ('signer' in parts ? parts.signer : world.consumer).secret,
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
