/**
 * Generated sign-ups (a fresh valid name) and sign-ins (the right password, as far as the rate
 * limit lets them through) whose odd `next` reaches the redirect after success.
 */
import fc from 'fast-check';
import { percentEncode } from '../../packages/countersign/src/core/percent-encoding.js';
import type { FuzzRequest } from './send.js';
import type { World } from './world.js';

/** Where a successful sign-up or sign-in may be sent on: off-site, or with bytes no header can carry. */
const NEXTS = [
  '/\r\nSet-Cookie: x=1',
  '/\u0000',
  '/\t',
  '/ a',
  '/\u2028',
  '/\ud800',
  '/\u00e9',
  '/%0d%0a',
  '//evil.example',
  '/\\evil.example',
  '/console',
  `/${'a'.repeat(8000)}`,
];

/**
 * Sign-ups with a fresh valid name and sign-ins with the right password (the few the rate limit
 * lets through), so that the odd `next` reaches the redirect.
 */
export function accountRequests(world: World): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      signup: fc.boolean(),
      name: fc.stringMatching(/^[a-z][a-z0-9]{7,20}$/),
      next: fc.constantFrom(...NEXTS),
      json: fc.boolean(),
    })
    .map(({ signup, name, next, json }) => {
      const fields = {
        _csrf: world.csrfToken,
        name: signup ? name : 'fuzzer',
        password: 'plum kettle wander',
        next,
      };
      const body = json
        ? JSON.stringify(fields)
        : Object.entries(fields)
            .map(([n, v]) => `${n}=${percentEncode(v)}`)
            .join('&');
      return {
        label: `${signup ? 'sign up' : 'sign in'} with next ${JSON.stringify(next.slice(0, 30))}${json ? ' as JSON' : ''}`,
        method: 'POST',
        path: signup ? '/signup' : '/login',
        headers: [
          ['host', new URL(world.origin).host],
          ['cookie', world.cookie],
          ['content-type', json ? 'application/json' : 'application/x-www-form-urlencoded'],
        ],
        body: Buffer.from(body),
      };
    });
}
