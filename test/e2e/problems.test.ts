/**
 * Every problem of the catalogue, triggered through every HTTP adapter: status, `oauth_problem`,
 * extra parameters, the `WWW-Authenticate` header, and the three body formats (form, JSON, and an
 * HTML page for a browser).
 */
import { STATUS_CODES } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  parseAuthorizationHeader,
  parseFormEncoded,
} from '../../packages/countersign/src/core/parameters.js';
import {
  PROBLEM_LIST,
  PROBLEMS,
  type ProblemName,
} from '../../packages/countersign/src/problems/catalogue.js';
import { ADAPTERS, type RunningApp } from './apps.js';
import { accessToken, CALLBACK, createWorld, exchange, initiate, send, type World } from './world.js';

type Run = (world: World, base: string, accept: string | undefined) => Promise<Response>;

interface Scenario {
  readonly problem: ProblemName;
  readonly how: string;
  readonly run: Run;
  /** Extra parameters expected in the header and form body, decoded once (lists still "&"-joined). */
  readonly extras?: (
    world: World,
    base: string,
  ) => Record<string, string | RegExp | ((value: string) => void)>;
  readonly allow?: string;
}

const resource = (path = '/api/me') => ({ method: 'GET', path });

/** What Chromium sends when it navigates. */
const BROWSER_ACCEPT =
  'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8';

const SCENARIOS: Scenario[] = [
  {
    problem: 'version_rejected',
    how: 'oauth_version=2.0',
    run: (w, b, accept) =>
      send(w, b, { path: '/oauth/initiate', extra: { oauth_callback: 'oob', oauth_version: '2.0' }, accept }),
    extras: () => ({ oauth_acceptable_versions: '1.0-1.0' }),
  },
  {
    problem: 'parameter_absent',
    how: 'only a consumer key at initiate',
    run: (w, b, accept) =>
      fetch(`${b}/oauth/initiate`, {
        method: 'POST',
        headers: {
          authorization: `OAuth oauth_consumer_key="${w.consumer.key}"`,
          ...(accept ? { accept } : {}),
        },
      }),
    extras: () => ({
      oauth_parameters_absent:
        'oauth_signature_method&oauth_signature&oauth_timestamp&oauth_nonce&oauth_callback',
    }),
  },
  {
    problem: 'parameter_rejected',
    how: 'oauth_nonce in the header and the query',
    run: (w, b, accept) => send(w, b, { ...resource('/api/echo?oauth_nonce=twice'), nonce: 'once', accept }),
    extras: () => ({ oauth_parameters_rejected: 'oauth_nonce=once&oauth_nonce=twice' }),
  },
  {
    problem: 'timestamp_refused',
    how: 'a timestamp 1000 s old',
    run: (w, b, accept) => send(w, b, { ...resource(), timestamp: String(w.seconds() - 1000), accept }),
    extras: (w) => ({
      oauth_acceptable_timestamps: (value: string) => {
        const [low = 0, high = 0] = value.split('-').map(Number);
        expect(high - low).toBe(600);
        expect(Math.abs(low + 300 - w.seconds())).toBeLessThanOrEqual(2);
      },
    }),
  },
  {
    problem: 'nonce_used',
    how: 'the same signed request twice',
    run: async (w, b, accept) => {
      // The same nonce and the same timestamp: a replay, even if the clock ticks in between.
      const nonce = `n${Math.random()}`;
      const timestamp = String(w.seconds());
      const first = await send(w, b, { ...resource('/api/echo'), nonce, timestamp });
      expect(first.status).toBe(200);
      return send(w, b, { ...resource('/api/echo'), nonce, timestamp, accept });
    },
  },
  {
    problem: 'signature_method_rejected',
    how: 'HMAC-MD5',
    run: async (w, b, accept) => {
      const header = (await initiateHeader(w, b)).replace('HMAC-SHA1', 'HMAC-MD5');
      return fetch(`${b}/oauth/initiate`, {
        method: 'POST',
        headers: { authorization: header, ...(accept ? { accept } : {}) },
      });
    },
  },
  {
    problem: 'signature_invalid',
    how: 'signed with the wrong consumer secret',
    run: (w, b, accept) =>
      send(w, b, {
        ...resource('/api/echo?a=1'),
        consumerSecret: 'wrong',
        accept,
        nonce: 'fixed-nonce',
        timestamp: String(w.seconds()),
      }),
    extras: (w, b) => ({
      oauth_signature_base_string: new RegExp(
        `^GET&${encodeURIComponent(`${b}/api/echo`)}&a%3D1%26oauth_consumer_key%3D${w.consumer.key}%26oauth_nonce%3Dfixed-nonce%26`,
      ),
    }),
  },
  {
    problem: 'consumer_key_rejected',
    how: 'a disabled consumer',
    run: (w, b, accept) => send(w, b, { ...resource(), consumer: w.disabled, accept }),
  },
  {
    problem: 'token_used',
    how: 'a request token exchanged twice',
    run: async (w, b, accept) => {
      const request = await initiate(w, b);
      const { verifier = '' } = await w.provider.decide(request.token, { user: 'bob', approve: true });
      expect((await exchange(w, b, request, verifier, accept)).status).toBe(200);
      return exchange(w, b, request, verifier, accept);
    },
  },
  {
    problem: 'token_expired',
    how: 'a request token exchanged after 301 s',
    run: async (w, b, accept) => {
      const request = await initiate(w, b);
      const { verifier = '' } = await w.provider.decide(request.token, { user: 'bob', approve: true });
      w.advance(301);
      return exchange(w, b, request, verifier, accept);
    },
  },
  {
    problem: 'token_revoked',
    how: 'an access token revoked by its user',
    run: async (w, b, accept) => {
      const access = await accessToken(w, b);
      await w.store.revokeAccessToken(access.token, Date.now());
      return send(w, b, { ...resource(), token: access.token, tokenSecret: access.secret, accept });
    },
  },
  {
    problem: 'token_rejected',
    how: 'an unknown access token',
    run: (w, b, accept) => send(w, b, { ...resource(), token: 'x'.repeat(32), tokenSecret: 'y', accept }),
  },
  {
    problem: 'verifier_invalid',
    how: 'a wrong verifier',
    run: async (w, b, accept) => {
      const request = await initiate(w, b);
      await w.provider.decide(request.token, { user: 'bob', approve: true });
      return exchange(w, b, request, 'wrong', accept);
    },
  },
  {
    problem: 'permission_unknown',
    how: 'an exchange before the user decided',
    run: async (w, b, accept) => {
      const request = await initiate(w, b);
      return exchange(w, b, request, 'v', accept);
    },
  },
  {
    problem: 'permission_denied',
    how: 'an exchange after the user denied',
    run: async (w, b, accept) => {
      const request = await initiate(w, b);
      await w.provider.decide(request.token, { user: 'bob', approve: false });
      return exchange(w, b, request, 'v', accept);
    },
  },
  {
    problem: 'method_not_allowed',
    how: 'GET /oauth/initiate',
    run: (w, b, accept) =>
      send(w, b, { path: '/oauth/initiate', method: 'GET', extra: { oauth_callback: 'oob' }, accept }),
    allow: 'POST',
  },
  {
    problem: 'consumer_key_invalid',
    how: 'a two-legged request from a consumer not enabled for it',
    run: (w, b, accept) => send(w, b, { ...resource(), consumer: w.threeLeggedOnly, accept }),
  },
  {
    problem: 'consumer_key_unknown',
    how: 'a well-formed key nobody has',
    run: (w, b, accept) => send(w, b, { ...resource(), consumerKey: 'z'.repeat(32), accept }),
  },
  {
    problem: 'consumer_key_refused',
    how: 'a suspended consumer',
    run: (w, b, accept) => send(w, b, { ...resource(), consumer: w.suspended, accept }),
  },
  {
    problem: 'additional_authorization_required',
    how: 'a read_public token at a read_private resource',
    run: async (w, b, accept) => {
      const access = await accessToken(w, b, ['read_public']);
      return send(w, b, {
        ...resource('/api/notes'),
        token: access.token,
        tokenSecret: access.secret,
        accept,
      });
    },
  },
  {
    problem: 'user_refused',
    how: 'the granting user is suspended',
    run: async (w, b, accept) => {
      await w.store.putUser({ name: 'carol', status: 'active', createdAt: 0 });
      const request = await initiate(w, b);
      const { verifier = '' } = await w.provider.decide(request.token, { user: 'carol', approve: true });
      const tokenResponse = await send(w, b, {
        path: '/oauth/token',
        token: request.token,
        tokenSecret: request.secret,
        extra: { oauth_verifier: verifier },
      });
      const access = Object.fromEntries(
        parseFormEncoded(await tokenResponse.text(), 'body').map((p) => [p.name, p.value]),
      );
      await w.store.putUser({ name: 'carol', status: 'suspended', createdAt: 0 });
      return send(w, b, {
        ...resource(),
        token: access.oauth_token,
        tokenSecret: access.oauth_token_secret,
        accept,
      });
    },
  },
];

/** A valid initiate Authorization header, for tampering with. */
async function initiateHeader(w: World, b: string): Promise<string> {
  const { signRequest } = await import('../../packages/countersign/src/client/sign-request.js');
  return signRequest({
    method: 'POST',
    url: `${b}/oauth/initiate`,
    consumerKey: w.consumer.key,
    consumerSecret: w.consumer.secret,
    timestamp: String(w.seconds()),
    extra: { oauth_callback: CALLBACK },
  }).authorization;
}

describe('the scenarios', () => {
  it('cover all 21 problems', () => {
    expect(new Set(SCENARIOS.map((s) => s.problem))).toEqual(new Set(PROBLEM_LIST.map((p) => p.problem)));
  });
});

describe.each(ADAPTERS)('problems through $name', (adapter) => {
  let world: World;
  let app: RunningApp;
  beforeAll(async () => {
    world = await createWorld();
    app = await adapter.start(world.provider);
  });
  afterAll(() => app.close());

  it.each(SCENARIOS)('$problem: $how', async (scenario) => {
    const entry = PROBLEMS[scenario.problem];
    const expectedExtras = scenario.extras?.(world, app.url) ?? {};

    const form = await scenario.run(world, app.url, undefined);
    expect(form.status).toBe(entry.status);
    expect(form.headers.get('content-type')).toBe('application/x-www-form-urlencoded');
    expect(form.headers.get('cache-control')).toBe('no-store');
    if (scenario.allow) expect(form.headers.get('allow')).toBe(scenario.allow);

    const header = parseAuthorizationHeader(form.headers.get('www-authenticate') ?? '');
    expect(header?.realm).toBe(`${app.url}/`);
    const headerParams = Object.fromEntries((header?.parameters ?? []).map((p) => [p.name, p.value]));
    expect(headerParams.oauth_problem).toBe(scenario.problem);

    const body = Object.fromEntries(
      parseFormEncoded(await form.text(), 'body').map((p) => [p.name, p.value]),
    );
    expect(body.oauth_problem).toBe(scenario.problem);
    expect(body.oauth_problem_advice).toMatch(/\S/);
    const { oauth_problem_advice: _advice, ...bodyParams } = body;
    expect(bodyParams).toEqual(headerParams);
    for (const [name, value] of Object.entries(expectedExtras)) {
      if (typeof value === 'string') expect(headerParams[name]).toBe(value);
      else if (typeof value === 'function') value(headerParams[name] ?? '');
      else expect(headerParams[name]).toMatch(value);
    }
    expect(Object.keys(headerParams).sort()).toEqual(['oauth_problem', ...entry.extras].sort());

    const json = await scenario.run(world, app.url, 'application/json');
    expect(json.status).toBe(entry.status);
    expect(json.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(json.headers.get('www-authenticate')).toMatch(new RegExp(`oauth_problem="${scenario.problem}"`));
    const parsed = (await json.json()) as Record<string, unknown>;
    expect(parsed).toMatchObject({ oauth_problem: scenario.problem, code: entry.code, status: entry.status });
    expect(parsed.message).toBe(entry.summary);
    expect(parsed.oauth_problem_advice).toMatch(/\S/);
    if (scenario.problem === 'parameter_absent') {
      expect(parsed.oauth_parameters_absent).toEqual(
        String(expectedExtras.oauth_parameters_absent).split('&'),
      );
    }

    // A browser navigation gets a page, never a form body it would offer to download.
    const page = await scenario.run(world, app.url, BROWSER_ACCEPT);
    expect(page.status).toBe(entry.status);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('www-authenticate')).toMatch(new RegExp(`oauth_problem="${scenario.problem}"`));
    const html = await page.text();
    expect(html).toContain(`<h1>${entry.status} ${STATUS_CODES[entry.status]}: ${scenario.problem}</h1>`);
    expect(html).toMatch(/<p class="advice" id="advice">\S/);
    expect(html.includes('Base string the server computed')).toBe(scenario.problem === 'signature_invalid');
    for (const consumer of [world.consumer, world.suspended, world.disabled])
      expect(html).not.toContain(consumer.secret);
  });
});
