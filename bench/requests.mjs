// The benchmark's consumer, token and user, and its requests to GET /api/v1/me, each signed with
// HMAC-SHA1, the access token and a nonce of its own; shared by `run.mjs` and `instructions.mjs`.
import { signRequest } from '../packages/countersign/dist/client/sign-request.js';

export const NOW = Date.now();
export const CONSUMER = { key: 'k'.repeat(32), secret: 's'.repeat(32) };
export const TOKEN = { token: 't'.repeat(32), secret: 'u'.repeat(32) };
export const URL_ME = 'http://127.0.0.1:3000/api/v1/me?format=json';

export async function seed(store) {
  await store.putUser({ name: 'bob', status: 'active', createdAt: NOW });
  await store.putConsumer({
    ...CONSUMER,
    name: 'Bench',
    owner: 'bob',
    callback: 'oob',
    scopes: ['read_public'],
    signatureMethods: ['HMAC-SHA1'],
    twoLegged: false,
    status: 'active',
    createdAt: NOW,
  });
  const access = (token, secret) => ({
    token,
    secret,
    consumerKey: CONSUMER.key,
    user: 'bob',
    scopes: ['read_public'],
    createdAt: NOW,
    lastUsedAt: NOW,
  });
  const request = (token) => ({
    token,
    secret: 'x',
    consumerKey: CONSUMER.key,
    callback: 'oob',
    scopes: [],
    state: 'authorized',
    user: 'bob',
    grantedScopes: ['read_public'],
    verifier: 'v',
    verifierFailures: 0,
    createdAt: NOW,
    expiresAt: NOW + 3.6e6,
  });
  await store.createRequestToken(request('r'.repeat(32)));
  const accessToken = access(TOKEN.token, TOKEN.secret);
  await store.redeemRequestToken('r'.repeat(32), { matches: () => true, limit: 5, accessToken });
}

export function signedRequests(n, token = TOKEN, prefix = 'nonce') {
  const timestamp = String(Math.floor(NOW / 1000));
  return Array.from({ length: n }, (_, i) => {
    const signed = signRequest({
      method: 'GET',
      url: URL_ME,
      consumerKey: CONSUMER.key,
      consumerSecret: CONSUMER.secret,
      token: token.token,
      tokenSecret: token.secret,
      timestamp,
      nonce: `${prefix}${i}`,
    });
    return {
      method: 'GET',
      target: '/api/v1/me?format=json',
      headers: { host: '127.0.0.1:3000', authorization: signed.authorization },
      secure: false,
      base: signed.baseString,
    };
  });
}

/** What the bare verifier needs to check the requests above. */
/**
 * `n` Authorization headers for `GET /api/v1/me` with the access token, signed now (a server under
 * load checks their timestamps against its clock), each with its own nonce.
 */
export function signedAuthorizations(n, prefix) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  return Array.from(
    { length: n },
    (_, i) =>
      signRequest({
        method: 'GET',
        url: URL_ME,
        consumerKey: CONSUMER.key,
        consumerSecret: CONSUMER.secret,
        token: TOKEN.token,
        tokenSecret: TOKEN.secret,
        timestamp,
        nonce: `${prefix}${i}`,
      }).authorization,
  );
}

export const BARE_VERIFIER_OPTIONS = {
  consumerKey: CONSUMER.key,
  consumerSecret: CONSUMER.secret,
  token: TOKEN.token,
  tokenSecret: TOKEN.secret,
  now: NOW,
  windowSeconds: 300,
};
