/**
 * The application owns its users: `decide` takes any user id it authenticated, with no copy in the
 * store, and whether a user is suspended comes from the `users` option (answering at once or with a
 * promise), else from the store's users. A suspended user is `user_refused` (21, 403) at decide, at
 * the token endpoint and at a protected resource; the user operations say why they cannot run when
 * the users are the application's.
 */
import { describe, expect, it } from 'vitest';
import {
  createProvider,
  isOAuthProblem,
  MemoryStore,
  parseAuthorizationHeader,
  parseFormEncoded,
  PROBLEMS,
  type OAuthRequest,
  type Provider,
  type UserDirectory,
  type WireResponse,
} from 'countersign';
import { signRequest, type SignRequestOptions } from 'countersign/client';

const NOW = 1_800_000_000_000;

interface World {
  readonly provider: Provider;
  readonly store: MemoryStore;
  readonly consumer: { key: string; secret: string };
}

async function world(users?: UserDirectory): Promise<World> {
  const store = new MemoryStore();
  const provider = createProvider({ store, clock: () => NOW, ...(users ? { users } : {}) });
  const consumer = await provider.registerConsumer({
    name: 'App',
    owner: 'alice',
    callback: 'https://app.example/cb',
    scopes: ['read'],
  });
  return { provider, store, consumer };
}

function signed(w: World, path: string, options: Partial<SignRequestOptions> = {}): OAuthRequest {
  const method = path.startsWith('/oauth/') ? 'POST' : 'GET';
  const { authorization } = signRequest({
    method,
    url: `http://provider.test${path}`,
    consumerKey: w.consumer.key,
    consumerSecret: w.consumer.secret,
    timestamp: String(NOW / 1000),
    ...options,
  });
  return { method, target: path, headers: { host: 'provider.test', authorization }, secure: false };
}

const pairsOf = (body: string) =>
  Object.fromEntries(parseFormEncoded(body, 'body').map((p) => [p.name, p.value]));

async function initiate(w: World): Promise<{ token: string; secret: string }> {
  const answer = await w.provider.initiate(
    signed(w, '/oauth/initiate', { extra: { oauth_callback: 'https://app.example/cb' } }),
  );
  const pairs = pairsOf(answer.body);
  return { token: pairs.oauth_token ?? '', secret: pairs.oauth_token_secret ?? '' };
}

function exchange(w: World, requestToken: { token: string; secret: string }, verifier: string) {
  return w.provider.token(
    signed(w, '/oauth/token', {
      token: requestToken.token,
      tokenSecret: requestToken.secret,
      extra: { oauth_verifier: verifier },
    }),
  );
}

/** The three-legged flow for `user`: the access token, or the token endpoint's answer if refused. */
async function grant(w: World, user: string) {
  const requestToken = await initiate(w);
  const { verifier = '' } = await w.provider.decide(requestToken.token, { user, approve: true });
  const answer = await exchange(w, requestToken, verifier);
  const pairs = pairsOf(answer.body);
  return { token: pairs.oauth_token ?? '', secret: pairs.oauth_token_secret ?? '', answer };
}

const resource = (w: World, access: { token: string; secret: string }, nonce: string) =>
  signed(w, '/api', { token: access.token, tokenSecret: access.secret, nonce });

/** The response a refusal gets, for `error` as `verify` or `decide` threw it. */
async function refusal(w: World, promise: Promise<unknown>, request: OAuthRequest): Promise<WireResponse> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(isOAuthProblem(error)).toBe(true);
  return w.provider.errorResponse(error, request);
}

/** `user_refused` as the catalogue has it: 403, in the header and the body, and as JSON code 21. */
function expectUserRefused(response: WireResponse, json?: WireResponse): void {
  expect(response.status).toBe(403);
  const header = parseAuthorizationHeader(response.headers['www-authenticate'] ?? '');
  expect(header?.realm).toBe('http://provider.test/');
  expect(header?.parameters.map((p) => [p.name, p.value])).toEqual([['oauth_problem', 'user_refused']]);
  expect(response.headers['content-type']).toBe('application/x-www-form-urlencoded');
  const body = pairsOf(response.body);
  expect(body.oauth_problem).toBe('user_refused');
  expect(body.oauth_problem_advice).toMatch(/\S/);
  if (json === undefined) return;
  expect(json.status).toBe(403);
  expect(JSON.parse(json.body)).toMatchObject({ oauth_problem: 'user_refused', code: 21, status: 403 });
  expect(PROBLEMS.user_refused).toMatchObject({ code: 21, status: 403 });
}

const asJson = (request: OAuthRequest): OAuthRequest => ({
  ...request,
  headers: { ...request.headers, accept: 'application/json' },
});

describe('decide', () => {
  it('takes a user the store has never held, and the grant works', async () => {
    const w = await world();
    const access = await grant(w, 'user-4711');
    expect(access.answer.status).toBe(200);
    expect(w.store.getUser('user-4711')).toBeUndefined();
    const verified = await w.provider.verify(resource(w, access, 'n1'));
    expect(verified.user).toBe('user-4711');
    expect(w.store.getAccessToken(access.token)?.user).toBe('user-4711');
  });

  it('refuses an empty or missing user id as invalid_user, deciding nothing', async () => {
    const w = await world();
    const { token } = await initiate(w);
    for (const user of ['', undefined, 42]) {
      const decision = { user, approve: true } as unknown as { user: string; approve: boolean };
      await expect(w.provider.decide(token, decision)).rejects.toMatchObject({ code: 'invalid_user' });
    }
    expect(w.store.getRequestToken(token)?.state).toBe('pending');
  });

  it('without the users option, still refuses a user the store holds as suspended', async () => {
    const w = await world();
    await w.store.putUser({ name: 'bob', status: 'suspended', createdAt: 0 });
    const { token } = await initiate(w);
    const request = signed(w, '/oauth/authorize');
    expectUserRefused(await refusal(w, w.provider.decide(token, { user: 'bob', approve: true }), request));
  });
});

describe.each([
  { answers: 'synchronously', later: false },
  { answers: 'with a promise', later: true },
])('the users option, answering $answers', ({ later }) => {
  const directory = (suspended: Set<string>, asked: string[]): UserDirectory => ({
    isSuspended(userId) {
      asked.push(userId);
      return later ? Promise.resolve(suspended.has(userId)) : suspended.has(userId);
    },
  });

  it('refuses a suspended user at decide as user_refused, deciding nothing', async () => {
    const asked: string[] = [];
    const w = await world(directory(new Set(['mallory']), asked));
    const { token } = await initiate(w);
    const decided = w.provider.decide(token, { user: 'mallory', approve: false });
    const request = signed(w, '/oauth/authorize');
    expectUserRefused(await refusal(w, decided, request));
    expect(asked).toEqual(['mallory']);
    expect(w.store.getRequestToken(token)?.state).toBe('pending');
  });

  it('refuses at the token endpoint and at a resource once the granting user is suspended, and lets them in when not', async () => {
    const suspended = new Set<string>();
    const w = await world(directory(suspended, []));
    const access = await grant(w, 'carol');
    expect((await w.provider.verify(resource(w, access, 'n1'))).user).toBe('carol');

    const requestToken = await initiate(w);
    const { verifier = '' } = await w.provider.decide(requestToken.token, { user: 'carol', approve: true });
    suspended.add('carol');
    expectUserRefused(await exchange(w, requestToken, verifier));

    const request = resource(w, access, 'n2');
    const json = asJson(resource(w, access, 'n3'));
    expectUserRefused(
      await refusal(w, w.provider.verify(request), request),
      await refusal(w, w.provider.verify(json), json),
    );
    suspended.delete('carol');
    expect((await w.provider.verify(resource(w, access, 'n4'))).user).toBe('carol');
  });

  it("decides over the store's users: a user the store holds as suspended is let in when the option says so", async () => {
    const w = await world(directory(new Set(), []));
    await w.store.putUser({ name: 'bob', status: 'suspended', createdAt: 0 });
    const access = await grant(w, 'bob');
    expect((await w.provider.verify(resource(w, access, 'n1'))).user).toBe('bob');
  });

  it('leaves adding, suspending and resuming users to the application, with a TypeError that says so', async () => {
    const w = await world(directory(new Set(), []));
    for (const call of [
      w.provider.addUser('dave'),
      w.provider.suspendUser('dave'),
      w.provider.resumeUser('dave'),
    ])
      await expect(call).rejects.toThrow(/users option of createProvider/);
    await expect(w.provider.addUser('dave')).rejects.toBeInstanceOf(TypeError);
    expect(w.store.getUser('dave')).toBeUndefined();
  });
});

describe('the synchronous fast path', () => {
  it('runs every check before the first wait when the store and the users option answer at once', async () => {
    const w = await world({ isSuspended: () => false });
    const access = await grant(w, 'erin');
    const recordNonce = w.store.recordNonce.bind(w.store);
    const recorded: string[] = [];
    w.store.recordNonce = (key, now, expiresAt) => {
      recorded.push(key);
      return recordNonce(key, now, expiresAt);
    };
    const pending = w.provider.verify(resource(w, access, 'n1'));
    // Nothing has been awaited yet, and the nonce (the last check) is already recorded.
    expect(recorded).toHaveLength(1);
    expect((await pending).user).toBe('erin');
  });
});

describe('the users option', () => {
  it('must have an isSuspended method', () => {
    const users = { suspended: () => false } as unknown as UserDirectory;
    expect(() => createProvider({ store: new MemoryStore(), users })).toThrow(
      new TypeError('users must have an isSuspended(userId) method'),
    );
  });
});
