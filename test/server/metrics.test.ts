/**
 * The `/metrics` latency histogram, by route pattern and method, OAuth endpoint (initiate,
 * authorize, token, resource) and outcome (accepted, refused). Its labels are route patterns and
 * fixed names, never raw URLs, so requests to a thousand paths add no series.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OAuthClient } from '../../packages/countersign/src/client/oauth-client.js';
import { type GrantedServer, grantedServer } from '../support/granted-server.js';

describe('latency histograms', () => {
  let server: GrantedServer;
  let text: string;

  beforeAll(async () => {
    server = await grantedServer({ name: 'Measured', scopes: ['read_public', 'write_private'] });
    const { base, client, access, consumer } = server;
    expect((await client.fetch(`${base}/api/v1/me`, { token: access })).status).toBe(200);
    const wrong = new OAuthClient({ consumerKey: consumer.key, consumerSecret: 'wrong' });
    expect((await wrong.fetch(`${base}/api/v1/me`, { token: access })).status).toBe(401);
    for (let i = 0; i < 40; i++) {
      await fetch(`${base}/nowhere/${randomBytes(6).toString('hex')}?q=${i}`);
      await fetch(`${base}/api/v1/notes/${1000 + i}`, { method: 'DELETE' });
    }
    // Signed out, the consent page sends the browser to sign in first: answered, not refused.
    await fetch(`${base}/oauth/authorize?oauth_token=${'x'.repeat(32)}`, { redirect: 'manual' });
    await fetch(`${base}/login`);
    text = await (await fetch(`${base}/metrics`)).text();
  });
  afterAll(() => server.app.close());

  /** The value of a sample, by its name and labels as Prometheus writes them. */
  const sample = (name: string, labels: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
    return line === undefined ? undefined : Number(line.split(' ').at(-1));
  };

  /** The sum of the samples of `name` whose labels include every one of `labels`. */
  const total = (name: string, ...labels: string[]) =>
    text
      .split('\n')
      .filter((line) => line.startsWith(`${name}{`) && labels.every((label) => line.includes(label)))
      .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
  const count = 'countersign_http_request_duration_seconds_count';

  it('observes each request under its route pattern and method', () => {
    expect(total(count, 'route="/api/v1/me"', 'method="GET"')).toBe(2);
    expect(total(count, 'route="/api/v1/notes/:id"', 'method="DELETE"')).toBe(40);
    expect(sample(count, 'route="unmatched",method="GET",endpoint="",outcome="refused"')).toBe(40);
    expect(text).toMatch(
      /countersign_http_request_duration_seconds_bucket\{le="0\.005",route="\/api\/v1\/me",method="GET",endpoint="resource",outcome="accepted"\} \d/,
    );
  });

  it('observes each OAuth endpoint by outcome', () => {
    expect(total(count, 'endpoint="initiate"', 'outcome="accepted"')).toBe(1);
    expect(total(count, 'endpoint="token"', 'outcome="accepted"')).toBe(1);
    expect(total(count, 'endpoint="resource"', 'outcome="accepted"')).toBe(1);
    expect(total(count, 'endpoint="resource"', 'outcome="refused"')).toBe(41);
    expect(total(count, 'endpoint="authorize"', 'outcome="accepted"')).toBe(1);
    // A page serves no OAuth endpoint.
    expect(sample(count, 'route="/login",method="GET",endpoint="",outcome="accepted"')).toBe(1);
  });

  it('labels by pattern, never by the raw URL', () => {
    const routes = new Set([...text.matchAll(/route="([^"]*)"/g)].map((m) => m[1]));
    expect([...routes].filter((route) => route?.includes('nowhere') || /\d{4}/.test(route ?? ''))).toEqual(
      [],
    );
    expect(routes.size).toBeLessThan(10);
  });
});
