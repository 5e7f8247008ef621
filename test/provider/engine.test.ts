/**
 * The engine without HTTP: the order of checks, the verifier limit, callbacks, PLAINTEXT and RSA,
 * the out-of-band PIN, denial redirects, option validation, and how it reads the store.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { type SignRequestOptions, signRequest } from '../../packages/countersign/src/client/sign-request.js';
import {
  PROTOCOL_PARAMETER_NAMES,
  parseFormEncoded,
} from '../../packages/countersign/src/core/parameters.js';
import { isOAuthProblem, type OAuthProblem } from '../../packages/countersign/src/problems/oauth-problem.js';
import type { Consumer } from '../../packages/countersign/src/provider/model.js';
import type { ProviderOptions } from '../../packages/countersign/src/provider/options.js';
import { INITIATE, RESOURCE, TOKEN } from '../../packages/countersign/src/provider/endpoints.js';
import { createProvider, type Provider } from '../../packages/countersign/src/provider/provider.js';
import type { OAuthRequest } from '../../packages/countersign/src/provider/request.js';
import { MemoryStore } from '../../packages/countersign/src/stores/memory-store.js';
import { SqliteStore } from '../../packages/sqlite/src/sqlite-store.js';
import type { Store } from '../../packages/countersign/src/provider/store.js';

const NOW = 1_800_000_000_000;
const BASE = 'http://provider.test';

interface Setup {
  provider: Provider;
  store: Store;
  consumer: Consumer;
  clock: { now: number };
}

async function setup(
  options: Partial<ProviderOptions> = {},
  registration: Partial<Parameters<Provider['registerConsumer']>[0]> = {},
  store: Store = new MemoryStore(),
): Promise<Setup> {
  const clock = { now: NOW };
  const provider = createProvider({ store, clock: () => clock.now, ...options });
  await store.putUser({ name: 'bob', status: 'active', createdAt: 0 });
  const consumer = await provider.registerConsumer({
    name: 'App',
    owner: 'alice',
    callback: 'https://app.example/oauth/cb',
    scopes: ['read', 'write'],
    ...registration,
  });
  return { provider, store, consumer, clock };
}

/** A signed request as the engine sees it. */
function request(
  s: Setup,
  options: Partial<SignRequestOptions> & { path: string; form?: [string, string][] },
): OAuthRequest {
  const method = options.method ?? 'POST';
  const signed = signRequest({
    consumerKey: s.consumer.key,
    consumerSecret: s.consumer.secret,
    timestamp: String(s.clock.now / 1000),
    ...options,
    method,
    url: BASE + options.path,
  });
  const form = options.form ? new URLSearchParams(options.form).toString() : undefined;
  return {
    method,
    target: options.path,
    headers: {
      host: 'provider.test',
      authorization: signed.authorization,
      ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    },
    secure: false,
    body: form,
  };
}

async function problemOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isOAuthProblem(error)) return error.problem;
    throw error;
  }
  return 'none';
}

async function wireProblem(promise: Promise<{ status: number; body: string }>): Promise<string> {
  const response = await promise;
  return (
    parseFormEncoded(response.body, 'body').find((p) => p.name === 'oauth_problem')?.value ??
    `status ${response.status}`
  );
}

async function initiate(s: Setup, callback = 'https://app.example/oauth/cb', form?: [string, string][]) {
  const response = await s.provider.initiate(
    request(s, { path: '/oauth/initiate', extra: { oauth_callback: callback }, ...(form ? { form } : {}) }),
  );
  const pairs = Object.fromEntries(parseFormEncoded(response.body, 'body').map((p) => [p.name, p.value]));
  return {
    status: response.status,
    token: pairs.oauth_token ?? '',
    secret: pairs.oauth_token_secret ?? '',
    pairs,
  };
}

/** Runs the three-legged flow for bob; returns the token endpoint's answer as a record. */
async function grantAccess(s: Setup): Promise<Record<string, string>> {
  const { token, secret } = await initiate(s);
  const { verifier = '' } = await s.provider.decide(token, { user: 'bob', approve: true });
  const response = await s.provider.token(
    request(s, { path: '/oauth/token', token, tokenSecret: secret, extra: { oauth_verifier: verifier } }),
  );
  return Object.fromEntries(parseFormEncoded(response.body, 'body').map((p) => [p.name, p.value]));
}

describe('the endpoints', () => {
  it('take only protocol parameters that collection knows, so that their lookups meet literals', () => {
    const accepted = [INITIATE, TOKEN, RESOURCE].flatMap((endpoint) => [...endpoint.accepted]);
    expect(new Set(PROTOCOL_PARAMETER_NAMES)).toEqual(new Set(accepted));
  });
});

describe('the order of checks', () => {
  let s: Setup;
  beforeEach(async () => {
    s = await setup();
  });

  it('reports the earliest of several faults', async () => {
    const base = { path: '/api/x', method: 'GET' };
    // Bad version + bad timestamp + unknown consumer → version first.
    expect(
      await problemOf(
        s.provider.verify(
          request(s, { ...base, extra: { oauth_version: '2' }, timestamp: '1', consumerKey: 'z'.repeat(32) }),
        ),
      ),
    ).toBe('version_rejected');
    // Bad method + bad timestamp → method first.
    expect(
      await problemOf(
        s.provider.verify(request(s, { ...base, signatureMethod: 'HMAC-SHA256', timestamp: '1' })),
      ),
    ).toBe('signature_method_rejected');
    // Bad timestamp + unknown consumer → timestamp first.
    expect(
      await problemOf(
        s.provider.verify(request(s, { ...base, timestamp: '1', consumerKey: 'z'.repeat(32) })),
      ),
    ).toBe('timestamp_refused');
    // Unknown token + bad signature → token first.
    expect(
      await problemOf(
        s.provider.verify(request(s, { ...base, token: 't'.repeat(32), consumerSecret: 'bad' })),
      ),
    ).toBe('token_rejected');
  });

  it('lists every absent parameter, and rejects unexpected oauth_* parameters', async () => {
    const bare: OAuthRequest = {
      method: 'POST',
      target: '/oauth/token',
      headers: { host: 'provider.test' },
      secure: false,
    };
    const response = await s.provider.token(bare);
    expect(response.body).toContain(
      'oauth_parameters_absent=oauth_consumer_key%26oauth_signature_method%26oauth_signature%26oauth_timestamp%26oauth_nonce%26oauth_token%26oauth_verifier',
    );
    expect(
      await wireProblem(
        s.provider.initiate(
          request(s, { path: '/oauth/initiate', extra: { oauth_callback: 'oob', oauth_verifier: 'x' } }),
        ),
      ),
    ).toBe('parameter_rejected');
    expect(
      await problemOf(
        s.provider.verify(request(s, { path: '/r', method: 'GET', extra: { oauth_bogus: '1' } })),
      ),
    ).toBe('parameter_rejected');
  });

  it('refuses array-style protocol parameter names, naming them, and takes array-style names of its own', async () => {
    const cases: { path: string; form?: [string, string][]; name: string }[] = [
      { path: '/r?oauth_token[]=x', name: 'oauth_token[]' },
      { path: '/r?oauth_nonce[0]=a', name: 'oauth_nonce[0]' },
      { path: '/r', form: [['oauth_signature]', 'x']], name: 'oauth_signature]' },
    ];
    for (const { path, form, name } of cases) {
      const refused = await s.provider
        .verify(request(s, { path, method: 'POST', ...(form ? { form } : {}) }))
        .catch((error: unknown) => error);
      expect(isOAuthProblem(refused, 'parameter_rejected'), path).toBe(true);
      expect(
        (refused as OAuthProblem).details.parametersRejected?.map(([n]) => n),
        path,
      ).toEqual([name]);
      expect((refused as OAuthProblem).advice, path).toContain('array-style names such as oauth_token[]');
    }
    // The request's own parameters may be array-style: it fares as it does without them.
    const own = await problemOf(
      s.provider.verify(request(s, { path: '/r?tag[]=a&tag[]=b', method: 'POST' })),
    );
    expect(own).not.toBe('parameter_rejected');
    expect(own).toBe(await problemOf(s.provider.verify(request(s, { path: '/r?tag=a', method: 'POST' }))));
  });

  it('refuses more parameters than its limit before parsing them, and takes as many as the limit', async () => {
    const pairs = (n: number) => Array.from({ length: n }, (_, i) => [`p${i}`, 'v'] as [string, string]);
    const refused = await s.provider
      .verify(request(s, { path: '/r', method: 'POST', form: pairs(1001) }))
      .catch((error: unknown) => error);
    expect(isOAuthProblem(refused, 'parameter_rejected')).toBe(true);
    expect((refused as OAuthProblem).advice).toBe(
      'This request carries 1001 parameters in its query and body; this server takes at most 1000.',
    );
    // The query and the body count together; exactly the limit goes on to the other checks.
    const query = pairs(400)
      .map(([n, v]) => `${n}=${v}`)
      .join('&');
    expect(
      await problemOf(
        s.provider.verify(request(s, { path: `/r?${query}`, method: 'POST', form: pairs(600) })),
      ),
    ).not.toBe('parameter_rejected');
    const limited = await setup({ parameterLimit: 3 });
    expect(
      await problemOf(
        limited.provider.verify(
          request(limited, {
            path: '/r?a=1&b=2',
            method: 'POST',
            form: [
              ['c', '3'],
              ['d', '4'],
            ],
          }),
        ),
      ),
    ).toBe('parameter_rejected');
    expect(() => createProvider({ store: new MemoryStore(), parameterLimit: 0 })).toThrow(
      'parameterLimit must be a positive whole number',
    );
  });

  it('refuses malformed timestamps', async () => {
    for (const timestamp of ['0', '-5', '1.5', '12345678901', ' 1800000000', '0x10']) {
      expect(await problemOf(s.provider.verify(request(s, { path: '/r', method: 'GET', timestamp })))).toBe(
        'timestamp_refused',
      );
    }
  });

  it('does not burn the nonce of a request with a bad signature', async () => {
    s = await setup({}, { twoLegged: true });
    const bad = request(s, { path: '/r', method: 'GET', nonce: 'n1', consumerSecret: 'wrong' });
    expect(await problemOf(s.provider.verify(bad))).toBe('signature_invalid');
    expect(await problemOf(s.provider.verify(request(s, { path: '/r', method: 'GET', nonce: 'n1' })))).toBe(
      'none',
    );
    expect(await problemOf(s.provider.verify(request(s, { path: '/r', method: 'GET', nonce: 'n1' })))).toBe(
      'nonce_used',
    );
  });
});

describe('nonces at the edge of the timestamp window', () => {
  const WINDOW = 300;
  /** The last millisecond at which a request signed at NOW passes the timestamp check. */
  const LAST_ACCEPTED = NOW + (WINDOW + 1) * 1000 - 1;

  it('accepts a timestamp until the last millisecond of its window, and refuses its replay then', async () => {
    const s = await setup({ timestampWindow: WINDOW }, { twoLegged: true });
    const signed = request(s, { path: '/r', method: 'GET', nonce: 'late' });
    s.clock.now = LAST_ACCEPTED;
    expect(await problemOf(s.provider.verify(signed))).toBe('none');
    expect(await problemOf(s.provider.verify(signed))).toBe('nonce_used');
    s.clock.now = LAST_ACCEPTED + 1;
    expect(await problemOf(s.provider.verify(signed))).toBe('timestamp_refused');
  });

  it('refuses a replay at every point of the window, its last second included', async () => {
    const s = await setup({ timestampWindow: WINDOW }, { twoLegged: true });
    const signed = request(s, { path: '/r', method: 'GET', nonce: 'early' });
    expect(await problemOf(s.provider.verify(signed))).toBe('none');
    const lastSecond = Array.from({ length: 1000 }, (_, ms) => NOW + WINDOW * 1000 + ms);
    const seconds = Array.from({ length: WINDOW }, (_, second) => NOW + second * 1000 + 999);
    for (const at of [...seconds, ...lastSecond]) {
      s.clock.now = at;
      expect(await problemOf(s.provider.verify(signed)), `${at - NOW} ms after the timestamp`).toBe(
        'nonce_used',
      );
    }
    s.clock.now = LAST_ACCEPTED + 1;
    expect(await problemOf(s.provider.verify(signed))).toBe('timestamp_refused');
  });
});

/** Stores whose nonce record answers later than the token read, as Redis or SQLite's group commit do. */
const RACING_STORES = [
  {
    name: 'the memory store with nonces answered by a promise',
    open: () => {
      const store: Store = new MemoryStore();
      const recordNonce = store.recordNonce.bind(store);
      store.recordNonce = (key, now, expiresAt) => Promise.resolve(recordNonce(key, now, expiresAt));
      return { store, remove: () => {} };
    },
  },
  {
    name: 'the SQLite store',
    open: () => {
      const dir = mkdtempSync(join(tmpdir(), 'countersign-engine-'));
      const store = new SqliteStore(join(dir, 'engine.db'));
      return { store, remove: () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
];

describe.each(RACING_STORES)('the verifier limit with $name', ({ open }) => {
  it('holds for concurrent exchanges: five wrong verifiers are counted, and the right one is refused', async () => {
    const { store, remove } = open();
    try {
      const s = await setup({}, {}, store);
      const { token, secret } = await initiate(s);
      const { verifier = '' } = await s.provider.decide(token, { user: 'bob', approve: true });
      const exchange = (v: string) =>
        s.provider.token(
          request(s, { path: '/oauth/token', token, tokenSecret: secret, extra: { oauth_verifier: v } }),
        );
      // Twenty wrong guesses and then the right verifier, all in flight at once.
      const answers = await Promise.all([
        ...Array.from({ length: 20 }, () => wireProblem(exchange('wrong'))),
        wireProblem(exchange(verifier)),
      ]);
      expect(answers).toEqual(Array.from({ length: 21 }, () => 'verifier_invalid'));
      expect((await store.getRequestToken(token))?.verifierFailures).toBe(5);
      expect(await wireProblem(exchange(verifier))).toBe('verifier_invalid');
      expect((await store.getRequestToken(token))?.state).toBe('authorized');
    } finally {
      await store.close();
      remove();
    }
  });

  it('lets one of many concurrent exchanges with the right verifier win, and answers the others token_used', async () => {
    const { store, remove } = open();
    try {
      const s = await setup({}, {}, store);
      const { token, secret } = await initiate(s);
      const { verifier = '' } = await s.provider.decide(token, { user: 'bob', approve: true });
      const answers = await Promise.all(
        Array.from({ length: 20 }, () =>
          wireProblem(
            s.provider.token(
              request(s, {
                path: '/oauth/token',
                token,
                tokenSecret: secret,
                extra: { oauth_verifier: verifier },
              }),
            ),
          ),
        ),
      );
      expect(answers.filter((a) => a === 'status 200')).toHaveLength(1);
      expect(answers.filter((a) => a === 'token_used')).toHaveLength(19);
    } finally {
      await store.close();
      remove();
    }
  });
});

describe('the three-legged flow', () => {
  it('kills a request token after five wrong verifiers', async () => {
    const s = await setup();
    const { token, secret } = await initiate(s);
    const { verifier = '' } = await s.provider.decide(token, { user: 'bob', approve: true });
    const exchange = (v: string) =>
      s.provider.token(
        request(s, { path: '/oauth/token', token, tokenSecret: secret, extra: { oauth_verifier: v } }),
      );
    for (let i = 0; i < 5; i++) expect(await wireProblem(exchange('wrong'))).toBe('verifier_invalid');
    const dead = await exchange(verifier);
    expect(dead.status).toBe(401);
    expect(dead.body).toContain('dead');
  });

  it('gives an 8-digit PIN for oob and accepts it as the verifier', async () => {
    const s = await setup();
    const { token, secret, pairs } = await initiate(s, 'oob');
    expect(pairs.oauth_callback_confirmed).toBe('true');
    const outcome = await s.provider.decide(token, { user: 'bob', approve: true });
    expect(outcome.redirect).toBeUndefined();
    expect(outcome.verifier).toMatch(/^\d{8}$/);
    const response = await s.provider.token(
      request(s, {
        path: '/oauth/token',
        token,
        tokenSecret: secret,
        extra: { oauth_verifier: outcome.verifier ?? '' },
      }),
    );
    expect(response.status).toBe(200);
  });

  it('redirects a denial with oauth_problem=permission_denied', async () => {
    const s = await setup();
    const { token } = await initiate(s, 'https://app.example/oauth/cb?state=1');
    const outcome = await s.provider.decide(token, { user: 'bob', approve: false });
    expect(outcome).toEqual({
      state: 'denied',
      redirect: `https://app.example/oauth/cb?state=1&oauth_token=${token}&oauth_problem=permission_denied`,
    });
    expect(await problemOf(s.provider.decide(token, { user: 'bob', approve: true }))).toBe('token_used');
  });

  it('accepts callbacks under the registered one and refuses others', async () => {
    const s = await setup();
    expect((await initiate(s, 'https://app.example/oauth/cb/more?x=1')).status).toBe(200);
    for (const callback of [
      'https://app.example/oauth/cbx',
      'https://evil.example/oauth/cb',
      'http://app.example/oauth/cb',
      'https://u:p@app.example/oauth/cb',
      'not a url',
    ]) {
      const response = await initiate(s, callback);
      expect(response.pairs.oauth_problem).toBe('parameter_rejected');
      expect(response.pairs.oauth_parameters_rejected).toBe(
        `oauth_callback=${encodeURIComponent(callback).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`,
      );
    }
  });

  it('takes a scope subset and refuses scopes the consumer may not request', async () => {
    const s = await setup();
    const { token } = await initiate(s, 'oob', [['scope', 'read']]);
    expect((await s.provider.authorization(token)).scopes).toEqual(['read']);
    const refused = await initiate(s, 'oob', [['scope', 'read,admin']]);
    expect(refused.pairs.oauth_problem).toBe('parameter_rejected');
    expect(refused.pairs.oauth_problem_advice).toContain('admin');
  });

  it('expires request tokens at authorization after their lifetime', async () => {
    const s = await setup({ requestTokenTtl: 60 });
    const { token } = await initiate(s);
    s.clock.now += 61_000;
    expect(await problemOf(s.provider.authorization(token))).toBe('token_expired');
  });

  it('expires access tokens that have a lifetime', async () => {
    const s = await setup({ accessTokenTtl: 3600 });
    const access = await grantAccess(s);
    const call = () =>
      s.provider.verify(
        request(s, {
          path: '/r',
          method: 'GET',
          token: access.oauth_token,
          tokenSecret: access.oauth_token_secret,
        }),
      );
    expect(await problemOf(call())).toBe('none');
    s.clock.now += 3601_000;
    expect(await problemOf(call())).toBe('token_expired');
  });
});

describe('store reads', () => {
  it('reads the consumer as a new read, then the token and the user as the same request', async () => {
    const s = await setup();
    const access = await grantAccess(s);
    const reads: string[] = [];
    // The engine's view of the store, whose reads take options.
    const store: Store = s.store;
    const getConsumer: Store['getConsumer'] = store.getConsumer.bind(store);
    const getAccessToken: Store['getAccessToken'] = store.getAccessToken.bind(store);
    const getUser: Store['getUser'] = store.getUser.bind(store);
    const hint = (options?: { sameRequest?: boolean }) => (options?.sameRequest ? ', same request' : '');
    store.getConsumer = (key) => {
      reads.push('consumer');
      return getConsumer(key);
    };
    store.getAccessToken = (value, options) => {
      reads.push(`token${hint(options)}`);
      return getAccessToken(value, options);
    };
    store.getUser = (name, options) => {
      reads.push(`user${hint(options)}`);
      return getUser(name, options);
    };
    const verified = await s.provider.verify(
      request(s, {
        path: '/r',
        method: 'GET',
        token: access.oauth_token,
        tokenSecret: access.oauth_token_secret,
      }),
    );
    expect(verified.user).toBe('bob');
    expect(reads).toEqual(['consumer', 'token, same request', 'user, same request']);
  });

  it('runs every check before the first wait when the store answers synchronously', async () => {
    const s = await setup();
    const access = await grantAccess(s);
    const store: Store = s.store;
    const recordNonce = store.recordNonce.bind(store);
    const recorded: string[] = [];
    store.recordNonce = (key, now, expiresAt) => {
      recorded.push(key);
      return recordNonce(key, now, expiresAt);
    };
    const pending = s.provider.verify(
      request(s, {
        path: '/r',
        method: 'GET',
        token: access.oauth_token,
        tokenSecret: access.oauth_token_secret,
      }),
    );
    // Nothing has been awaited yet, and the nonce (the last check) is already recorded.
    expect(recorded).toHaveLength(1);
    expect((await pending).user).toBe('bob');
  });

  it('waits for a store that answers with promises or other thenables', async () => {
    const s = await setup();
    const access = await grantAccess(s);
    // Not native promises: objects with a `then`, as some database clients return.
    const later = <T>(value: T | PromiseLike<T>): PromiseLike<T> => ({
      then: (resolve, reject) => Promise.resolve(value).then(resolve, reject),
    });
    const store: Store = s.store;
    const { getConsumer, getAccessToken, getUser, recordNonce } = {
      getConsumer: store.getConsumer.bind(store),
      getAccessToken: store.getAccessToken.bind(store),
      getUser: store.getUser.bind(store),
      recordNonce: store.recordNonce.bind(store),
    };
    store.getConsumer = (key) => later(getConsumer(key));
    store.getAccessToken = (token, options) => Promise.resolve(getAccessToken(token, options));
    store.getUser = (name, options) => later(getUser(name, options));
    store.recordNonce = (key, now, expiresAt) => later(recordNonce(key, now, expiresAt));
    const call = (token = access.oauth_token, nonce = 'n1') =>
      s.provider.verify(
        request(s, { path: '/r', method: 'GET', token, tokenSecret: access.oauth_token_secret, nonce }),
      );
    expect(await problemOf(call())).toBe('none');
    expect(await problemOf(call())).toBe('nonce_used');
    expect(await problemOf(call('x'.repeat(32), 'n2'))).toBe('token_rejected');
    await s.store.putUser({ name: 'bob', status: 'suspended', createdAt: 0 });
    expect(await problemOf(call(access.oauth_token, 'n3'))).toBe('user_refused');
  });
});

describe('signature methods', () => {
  it('refuses PLAINTEXT over plain HTTP, accepts it over HTTPS without timestamp or nonce', async () => {
    const s = await setup(
      { signatureMethods: ['HMAC-SHA1', 'PLAINTEXT'] },
      { signatureMethods: ['PLAINTEXT'], twoLegged: true },
    );
    const plain = request(s, { path: '/r', method: 'GET', signatureMethod: 'PLAINTEXT' });
    const refused: unknown = await s.provider.verify(plain).catch((error: unknown) => error);
    expect(isOAuthProblem(refused, 'signature_method_rejected')).toBe(true);
    // The consumer may use PLAINTEXT alone: the advice is the connection, with no other method.
    expect((refused as OAuthProblem).advice).toBe(
      'PLAINTEXT sends the secrets themselves, so it is refused over plain HTTP: send the request over HTTPS.',
    );
    expect(await problemOf(s.provider.verify({ ...plain, secure: true }))).toBe('none');
    const header = `OAuth oauth_consumer_key="${s.consumer.key}", oauth_signature_method="PLAINTEXT", oauth_signature="${s.consumer.secret}%26"`;
    const minimal: OAuthRequest = {
      method: 'GET',
      target: '/r',
      headers: { host: 'provider.test', authorization: header },
      secure: true,
    };
    expect(await problemOf(s.provider.verify(minimal))).toBe('none');
  });

  it('says why PLAINTEXT is refused: the connection where HTTPS would do, the consumer where it would not', async () => {
    const advice = async (consumerMethods: string[]) => {
      const s = await setup(
        { signatureMethods: ['HMAC-SHA1', 'HMAC-SHA256', 'PLAINTEXT'] },
        { signatureMethods: consumerMethods, twoLegged: true },
      );
      const refused: unknown = await s.provider
        .verify(request(s, { path: '/r', method: 'GET', signatureMethod: 'PLAINTEXT' }))
        .catch((error: unknown) => error);
      expect(isOAuthProblem(refused, 'signature_method_rejected')).toBe(true);
      return (refused as OAuthProblem).advice;
    };
    expect(await advice(['HMAC-SHA1', 'HMAC-SHA256', 'PLAINTEXT'])).toBe(
      'PLAINTEXT sends the secrets themselves, so it is refused over plain HTTP: send the request over HTTPS, or sign it with one of HMAC-SHA1, HMAC-SHA256.',
    );
    expect(await advice(['HMAC-SHA1', 'PLAINTEXT'])).toBe(
      'PLAINTEXT sends the secrets themselves, so it is refused over plain HTTP: send the request over HTTPS, or sign it with HMAC-SHA1.',
    );
    // Not registered for PLAINTEXT: HTTPS would not help, and the advice does not say it would.
    expect(await advice(['HMAC-SHA256'])).toBe('"PLAINTEXT" is not accepted; use HMAC-SHA256.');
  });

  it('verifies RSA-SHA1 with the registered public key', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const s = await setup(
      { signatureMethods: ['RSA-SHA1'] },
      { signatureMethods: ['RSA-SHA1'], rsaPublicKey: pem, twoLegged: true },
    );
    const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const ok = request(s, {
      path: '/r?a=b',
      method: 'GET',
      signatureMethod: 'RSA-SHA1',
      privateKey: privatePem,
    });
    expect(await problemOf(s.provider.verify(ok))).toBe('none');
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const bad = request(s, { path: '/r?a=b', method: 'GET', signatureMethod: 'RSA-SHA1', privateKey: other });
    expect(await problemOf(s.provider.verify(bad))).toBe('signature_invalid');
  });

  it('refuses a method the server allows but the consumer does not', async () => {
    const s = await setup(
      { signatureMethods: ['HMAC-SHA1', 'HMAC-SHA256'] },
      { signatureMethods: ['HMAC-SHA256'], twoLegged: true },
    );
    expect(await problemOf(s.provider.verify(request(s, { path: '/r', method: 'GET' })))).toBe(
      'signature_method_rejected',
    );
    expect(
      await problemOf(
        s.provider.verify(request(s, { path: '/r', method: 'GET', signatureMethod: 'HMAC-SHA256' })),
      ),
    ).toBe('none');
  });

  it('requires oauth_body_hash on non-form bodies when configured', async () => {
    const s = await setup({ bodyHash: 'required' }, { twoLegged: true });
    const signed = request(s, { path: '/r', method: 'POST' });
    const json: OAuthRequest = {
      ...signed,
      headers: { ...signed.headers, 'content-type': 'application/json' },
      body: '{"a":1}',
    };
    const response = s.provider.verify(json);
    await expect(response).rejects.toMatchObject({
      problem: 'parameter_absent',
      details: { parametersAbsent: ['oauth_body_hash'] },
    });
  });
});

describe('options', () => {
  it('are validated at creation', () => {
    const store = new MemoryStore();
    expect(() => createProvider({ store, timestampWindow: 0 })).toThrow(/timestampWindow/);
    expect(() => createProvider({ store, publicUrl: 'ftp://x' })).toThrow(/publicUrl/);
    expect(() => createProvider({ store, publicUrl: 'https://x/?q' })).toThrow(/publicUrl/);
    expect(() => createProvider({ store, signatureMethods: ['HMAC-MD5' as 'HMAC-SHA1'] })).toThrow(
      /HMAC-MD5/,
    );
    expect(() => createProvider({ store, signatureMethods: [] })).toThrow(/at least one/);
    // From callers without types.
    const untyped = (options: Record<string, unknown>) => () => createProvider({ store, ...options });
    expect(untyped({ clock: 5 })).toThrow('clock must be a function');
    expect(untyped({ randomBytes: 'x' })).toThrow('randomBytes must be a function');
    expect(untyped({ consumerKeyPattern: '^[a-z]+$' })).toThrow('consumerKeyPattern must be a RegExp');
    expect(untyped({ timestampWindow: '300' })).toThrow(/timestampWindow/);
  });

  it('refuses bad consumer registrations', async () => {
    const s = await setup();
    const register = (r: Partial<Parameters<Provider['registerConsumer']>[0]>) =>
      s.provider.registerConsumer({ name: 'X', owner: 'alice', callback: 'oob', ...r });
    await expect(register({ callback: 'javascript:alert(1)' })).rejects.toThrow(/callback/);
    await expect(register({ signatureMethods: ['RSA-SHA1'] })).rejects.toThrow(/public key/);
    await expect(register({ rsaPublicKey: 'nonsense' })).rejects.toThrow(/RSA/);
    await expect(register({ name: '  ' })).rejects.toThrow(/name/);
    await expect(register({ scopes: ['bad scope'] })).rejects.toThrow(/scopes/);
  });
});

describe('errors that are not problems', () => {
  it('answer 500 with a generic body, and report the detail to onError', async () => {
    const seen: unknown[] = [];
    const store: Store = new MemoryStore();
    store.getConsumer = () => Promise.reject(new Error('disk on fire: secret=abc'));
    const provider = createProvider({ store, onError: (e) => seen.push(e) });
    const response = await provider.initiate({
      method: 'POST',
      target: '/oauth/initiate',
      headers: {
        host: 'x',
        authorization: `OAuth oauth_consumer_key="${'k'.repeat(32)}", oauth_signature_method="HMAC-SHA1", oauth_signature="x", oauth_timestamp="1", oauth_nonce="n", oauth_callback="oob"`,
      },
      secure: false,
    });
    expect(response.status).toBe(500);
    expect(response.body).toBe('Internal server error.');
    expect(seen).toHaveLength(1);
  });
});
