// Peer benchmark: passport-http-oauth's TokenStrategy verifying signed requests with unique nonces
// (called directly, without Express). Usage: node passport_peer.mjs N — prints {"ops_per_sec": …}.
import { TokenStrategy } from 'passport-http-oauth';
import { signRequest } from '../packages/countersign/dist/client/sign-request.js';

const n = Number(process.argv[2]);
const key = 'k'.repeat(32);
const secret = 's'.repeat(32);
const token = 't'.repeat(32);
const tokenSecret = 'u'.repeat(32);
const seen = new Set();
const strategy = new TokenStrategy(
  (consumerKey, done) => done(null, { key: consumerKey }, secret),
  (accessToken, done) => done(null, { name: 'bob' }, tokenSecret),
  (timestamp, nonce, done) => {
    const entry = `${timestamp}\n${nonce}`;
    if (seen.has(entry)) return done(null, false);
    seen.add(entry);
    return done(null, true);
  },
);
const timestamp = String(Math.floor(Date.now() / 1000));
const requests = Array.from({ length: n }, (_, i) => ({
  method: 'GET',
  url: '/api/v1/me?format=json',
  headers: {
    host: '127.0.0.1:3000',
    authorization: signRequest({
      method: 'GET',
      url: 'http://127.0.0.1:3000/api/v1/me?format=json',
      consumerKey: key,
      consumerSecret: secret,
      token,
      tokenSecret,
      timestamp,
      nonce: `nonce${i}`,
    }).authorization,
  },
  connection: {},
  query: { format: 'json' },
  body: {},
}));

function authenticate(req) {
  return new Promise((resolve) => {
    const attempt = Object.create(strategy);
    attempt.success = () => resolve(true);
    attempt.fail = () => resolve(false);
    attempt.error = () => resolve(false);
    attempt.authenticate(req);
  });
}

let valid = 0;
const start = process.hrtime.bigint();
for (const req of requests) valid += (await authenticate(req)) ? 1 : 0;
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
console.log(JSON.stringify({ ops_per_sec: n / seconds, valid }));
