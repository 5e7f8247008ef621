/**
 * Where sign-in and sign-up send the browser: only to a path of this site, whatever `next` says.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PageClient, serverWithUser } from './page-client.js';

/** Decoded values of `next`, as a form or a query carries them once decoded. */
const NASTY = [
  '//x',
  '/\\x',
  '/\\/x',
  '/\t/x',
  '/%09/x',
  '/%5C/x',
  '/%5c/x',
  '/%2F/x',
  '\t/x',
  '\\x',
  'https://x',
  'x',
  '/\nx',
  '/x\r\nSet-Cookie: a=b',
  '/x\u0000',
  '',
];
const FINE = ['/x', '/console/apps/abc?registered=1', '/oauth/authorize?oauth_token=t%2Bu', '/a#b'];

describe('next after sign-in and sign-up', () => {
  let app: FastifyInstance;

  beforeAll(async () => {
    ({ app } = await serverWithUser('ann'));
  });
  afterAll(() => app.close());

  const hiddenNext = (body: string) =>
    /name="next" value="([^"]*)"/.exec(body)?.[1]?.replaceAll('&amp;', '&').replaceAll('&#39;', "'");

  it.each(['login', 'signup'])(
    'keeps only same-origin paths in the hidden field of GET /%s',
    async (kind) => {
      const client = new PageClient(app);
      for (const next of NASTY) {
        const page = await client.get(`/${kind}?${new URLSearchParams({ next }).toString()}`);
        expect(page.statusCode, JSON.stringify(next)).toBe(200);
        expect(hiddenNext(page.body), JSON.stringify(next)).toBe('/console');
      }
      for (const next of FINE) {
        const page = await client.get(`/${kind}?${new URLSearchParams({ next }).toString()}`);
        expect(hiddenNext(page.body)).toBe(next);
      }
    },
  );

  it('redirects a sign-in only to a same-origin path', async () => {
    let n = 0;
    for (const next of [...NASTY, ...FINE]) {
      const client = new PageClient(app);
      await client.get('/login');
      const signedIn = await client.post(
        '/login',
        { name: 'ann', password: 'a long pass phrase', next },
        { remoteAddress: `10.8.0.${n++}` },
      );
      expect(signedIn.statusCode, JSON.stringify(next)).toBe(303);
      expect(signedIn.headers.location, JSON.stringify(next)).toBe(FINE.includes(next) ? next : '/console');
    }
  });

  it('percent-encodes a path outside ASCII, which a Location header cannot carry as it is', async () => {
    const encoded: Record<string, string> = {
      '/notes/é': '/notes/%C3%A9',
      '/。evil': '/%E3%80%82evil',
      '/\u00ff?q=ü': '/%C3%BF?q=%C3%BC',
    };
    let n = 0;
    for (const [next, location] of Object.entries(encoded)) {
      for (const form of ['signup', 'login'] as const) {
        const client = new PageClient(app);
        await client.get(`/${form}`);
        const name = form === 'signup' ? `unicode${n++}` : 'ann';
        const answer = await client.post(
          `/${form}`,
          { name, password: 'a long pass phrase', next },
          { remoteAddress: `10.8.0.${n}` },
        );
        expect(answer.statusCode, `${form} ${JSON.stringify(next)}`).toBe(303);
        expect(answer.headers.location, `${form} ${JSON.stringify(next)}`).toBe(location);
      }
    }
  });

  it('redirects a sign-up only to a same-origin path', async () => {
    let n = 0;
    for (const next of [...NASTY, ...FINE]) {
      const client = new PageClient(app);
      await client.get('/signup');
      const signedUp = await client.post(
        '/signup',
        { name: `newcomer${n++}`, password: 'a long pass phrase', next },
        { remoteAddress: `10.9.0.${n}` },
      );
      expect(signedUp.statusCode, JSON.stringify(next)).toBe(303);
      expect(signedUp.headers.location, JSON.stringify(next)).toBe(FINE.includes(next) ? next : '/console');
    }
  });
});
