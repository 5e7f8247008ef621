/**
 * Every problem of the catalogue that a protected-resource request can get — each triggered the
 * way test/e2e/problems.test.ts triggers it — through the gateway, through forward-auth asked
 * directly, and through nginx `auth_request` with the documented configuration: the problem's
 * status and `oauth_problem` in `WWW-Authenticate` (and in the body, where it is Countersign's),
 * and the request never reaching the upstream.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest, type SignRequestOptions } from '../../packages/countersign/src/client/sign-request.js';
import {
  parseAuthorizationHeader,
  parseFormEncoded,
} from '../../packages/countersign/src/core/parameters.js';
import {
  PROBLEM_LIST,
  PROBLEMS,
  type ProblemName,
} from '../../packages/countersign/src/problems/catalogue.js';
import type { Consumer } from '../../packages/countersign/src/provider/model.js';
import {
  forwardAuthConfig,
  type Gateway,
  hasNginx,
  hasPython,
  rawRequest,
  type RunningNginx,
  type RunningUpstream,
  SCOPES,
  startGateway,
  startNginx,
  startUpstream,
} from './harness.js';

type Mode = 'gateway' | 'forward-auth' | 'nginx';
type Credentials = { token: string; secret: string };

interface World {
  readonly gw: Gateway;
  readonly consumers: Record<'threeLeggedOnly' | 'suspended' | 'disabled', Consumer>;
  readonly tokens: Record<'readPublicOnly' | 'revoked' | 'expired' | 'carol', Credentials>;
}

interface Scenario {
  readonly problem: ProblemName;
  readonly how: string;
  /** The path asked for (a `mark` is added). */
  readonly path?: string;
  /** What is signed, over the defaults (bob's consumer and full token). */
  readonly sign?: (w: World) => Partial<SignRequestOptions>;
  /** Changes the signed Authorization header. */
  readonly tamper?: (header: string, w: World) => string;
  /** Sends the same request first, which is accepted (and forwarded, except by forward-auth alone). */
  readonly twice?: boolean;
}

/** Requests the consumer-level problems come from: consumer-only (two-legged) for these consumers. */
const as = (consumer: Consumer): Partial<SignRequestOptions> => ({
  consumerKey: consumer.key,
  consumerSecret: consumer.secret,
  token: undefined,
  tokenSecret: undefined,
});
const withToken = (credentials: Credentials): Partial<SignRequestOptions> => ({
  token: credentials.token,
  tokenSecret: credentials.secret,
});

const SCENARIOS: Scenario[] = [
  {
    problem: 'version_rejected',
    how: 'oauth_version=2.0',
    sign: () => ({ extra: { oauth_version: '2.0' } }),
  },
  {
    problem: 'parameter_absent',
    how: 'only a consumer key',
    tamper: (_h, w) => `OAuth oauth_consumer_key="${w.gw.consumer.key}"`,
  },
  {
    problem: 'parameter_rejected',
    how: 'oauth_nonce in the header and the query',
    path: '/v1/echo?oauth_nonce=twice',
    sign: () => ({ nonce: 'once' }),
  },
  {
    problem: 'timestamp_refused',
    how: 'a timestamp 1000 s old',
    sign: () => ({ timestamp: String(Math.floor(Date.now() / 1000) - 1000) }),
  },
  { problem: 'nonce_used', how: 'the same signed request twice', twice: true },
  {
    problem: 'signature_method_rejected',
    how: 'HMAC-MD5',
    tamper: (header) => header.replace('HMAC-SHA1', 'HMAC-MD5'),
  },
  {
    problem: 'signature_invalid',
    how: 'the wrong consumer secret',
    sign: () => ({ consumerSecret: 'wrong' }),
  },
  { problem: 'consumer_key_rejected', how: 'a disabled consumer', sign: (w) => as(w.consumers.disabled) },
  {
    problem: 'token_expired',
    how: 'an access token past its lifetime',
    sign: (w) => withToken(w.tokens.expired),
  },
  { problem: 'token_revoked', how: 'a revoked access token', sign: (w) => withToken(w.tokens.revoked) },
  {
    problem: 'token_rejected',
    how: 'an unknown access token',
    sign: () => ({ token: 'x'.repeat(32), tokenSecret: 'y' }),
  },
  { problem: 'permission_denied', how: 'a scope the consumer may never hold', path: '/v1/admin' },
  {
    problem: 'consumer_key_invalid',
    how: 'a two-legged request from a consumer not enabled for it',
    sign: (w) => as(w.consumers.threeLeggedOnly),
  },
  {
    problem: 'consumer_key_unknown',
    how: 'a well-formed key nobody has',
    sign: () => ({ ...as({ key: 'z'.repeat(32), secret: 's' } as Consumer) }),
  },
  { problem: 'consumer_key_refused', how: 'a suspended consumer', sign: (w) => as(w.consumers.suspended) },
  {
    problem: 'additional_authorization_required',
    how: 'a read_public token at a read_private route',
    path: '/v1/private',
    sign: (w) => withToken(w.tokens.readPublicOnly),
  },
  { problem: 'user_refused', how: 'the granting user is suspended', sign: (w) => withToken(w.tokens.carol) },
];

/** The problems no protected-resource request can get: they belong to the token endpoints. */
const NOT_AT_A_RESOURCE = new Set([
  'token_used',
  'verifier_invalid',
  'permission_unknown',
  'method_not_allowed',
]);

describe('the scenarios', () => {
  it('cover every problem a resource request can get', () => {
    const atResource = PROBLEM_LIST.map((p) => p.problem).filter((p) => !NOT_AT_A_RESOURCE.has(p));
    expect(new Set(SCENARIOS.map((s) => s.problem))).toEqual(new Set(atResource));
  });
});

describe.skipIf(!hasPython || !hasNginx)('problems in front of the upstream', () => {
  let dir: string;
  let upstream: RunningUpstream;
  let nginx: RunningNginx;
  let world: World;

  /** bob's (or `user`'s) grant of `scopes` to `consumer`, through the gateway's own endpoints. */
  async function grant(gw: Gateway, scopes: string[], user = 'bob'): Promise<Credentials> {
    const request = await gw.client.initiate(`${gw.base}/oauth/initiate`, 'oob', SCOPES);
    const { verifier = '' } = await gw.provider.decide(request.token, { user, approve: true, scopes });
    return gw.client.exchange(`${gw.base}/oauth/token`, request, verifier);
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'countersign-gateway-problems-'));
    upstream = await startUpstream(dir);
    // One server for all three ways: it forwards, and it believes nginx on loopback.
    const gw = await startGateway(upstream.url, { trustProxy: '127.0.0.1' });
    nginx = await startNginx(dir, forwardAuthConfig(gw.base, upstream.url));
    const register = (name: string, twoLegged = true) =>
      gw.provider.registerConsumer({ name, owner: 'bob', callback: 'oob', scopes: SCOPES, twoLegged });
    const threeLeggedOnly = await register('Three-legged only', false);
    const suspended = await register('Suspended');
    const disabled = await register('Disabled');
    await gw.provider.suspendConsumer(suspended.key);
    await gw.provider.disableConsumer(disabled.key);
    const readPublicOnly = await grant(gw, ['read_public']);
    const revoked = await grant(gw, SCOPES);
    await gw.provider.revokeAccessToken(revoked.token);
    await gw.store.putUser({ name: 'carol', status: 'active', createdAt: 0 });
    const carol = await grant(gw, SCOPES, 'carol');
    await gw.store.putUser({ name: 'carol', status: 'suspended', createdAt: 0 });
    const expired = { token: 'e'.repeat(32), secret: 'f'.repeat(32) };
    const now = Date.now();
    await gw.store.createRequestToken({
      token: 'r'.repeat(32),
      secret: 'x',
      consumerKey: gw.consumer.key,
      callback: 'oob',
      scopes: [],
      state: 'authorized',
      user: 'bob',
      grantedScopes: SCOPES,
      verifier: 'v',
      verifierFailures: 0,
      createdAt: now,
      expiresAt: now + 3.6e6,
    });
    await gw.store.redeemRequestToken('r'.repeat(32), {
      matches: () => true,
      limit: 5,
      accessToken: {
        ...expired,
        consumerKey: gw.consumer.key,
        user: 'bob',
        scopes: SCOPES,
        createdAt: now - 7.2e6,
        expiresAt: now - 3.6e6,
      },
    });
    world = {
      gw,
      consumers: { threeLeggedOnly, suspended, disabled },
      tokens: { readPublicOnly, revoked, expired, carol },
    };
  });
  afterAll(async () => {
    await nginx?.stop();
    await world?.gw.app.close();
    await upstream?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Sends one scenario's request the `mode` way; returns the answer. The mark names the request:
   * its nonce, and its timestamp (a nonce is recorded with its timestamp, so a request sent twice
   * must be signed with the same one, even if the second send falls in the next second).
   */
  function send(mode: Mode, scenario: Scenario, mark: string, timestamp: string) {
    const { gw } = world;
    const path = `${scenario.path ?? '/v1/echo'}${scenario.path?.includes('?') ? '&' : '?'}mark=${mark}`;
    const origin = mode === 'gateway' ? gw.base : mode === 'nginx' ? nginx.url : 'http://api.example.test';
    const signed = signRequest({
      method: 'GET',
      url: origin + path,
      consumerKey: gw.consumer.key,
      consumerSecret: gw.consumer.secret,
      token: gw.access.token,
      tokenSecret: gw.access.secret,
      nonce: `n-${mark}`,
      timestamp,
      ...scenario.sign?.(world),
    }).authorization;
    const authorization = scenario.tamper ? scenario.tamper(signed, world) : signed;
    if (mode !== 'forward-auth') return rawRequest(origin + path, { headers: { authorization } });
    return rawRequest(`${gw.base}/oauth/forward-auth`, {
      headers: {
        authorization,
        'x-original-method': 'GET',
        'x-original-uri': path,
        'x-forwarded-proto': 'http',
        'x-forwarded-host': 'api.example.test',
      },
    });
  }

  describe.each(['gateway', 'forward-auth', 'nginx'] as const)('through %s', (mode) => {
    it.each(SCENARIOS)('$problem: $how', async (scenario) => {
      const mark = `${mode}-${scenario.problem}-${Date.now()}`;
      const timestamp = String(Math.floor(Date.now() / 1000));
      if (scenario.twice) {
        expect((await send(mode, scenario, mark, timestamp)).status, nginx.errors()).toBe(200);
      }
      const response = await send(mode, scenario, mark, timestamp);
      const entry = PROBLEMS[scenario.problem];
      expect(response.status, nginx.errors()).toBe(entry.status);
      const header = parseAuthorizationHeader(String(response.headers['www-authenticate'] ?? ''));
      const params = Object.fromEntries((header?.parameters ?? []).map((p) => [p.name, p.value]));
      expect(params.oauth_problem).toBe(scenario.problem);
      if (mode !== 'nginx') {
        const body = Object.fromEntries(
          parseFormEncoded(response.body, 'body').map((p) => [p.name, p.value]),
        );
        expect(body.oauth_problem).toBe(scenario.problem);
        expect(body.oauth_problem_advice).toMatch(/\S/);
      }
      const forwardedBefore = scenario.twice && mode !== 'forward-auth' ? 1 : 0;
      expect(upstream.records().filter((r) => r.target.includes(`mark=${mark}`))).toHaveLength(
        forwardedBefore,
      );
    });
  });
});
