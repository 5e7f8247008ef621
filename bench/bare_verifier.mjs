// A bare verifier, for comparison: the least work any verifier of the benchmark's requests must do
// (parse the Authorization header and the query, build the signature base string, compute and
// compare the HMAC, record the nonce), with Countersign's own building blocks and none of its other
// checks: no duplicate, version, required or unexpected parameters, no scopes, no store, no promises,
// no problem to report. What it costs bounds what a JavaScript verifier of these requests can reach
// on the machine; it accepts well-formed requests of this one shape only.
import { timingSafeEqual } from 'node:crypto';
import { percentEncode } from '../dist/core/percent-encoding.js';
import { SIGNATURE_METHODS } from '../dist/core/signature-methods.js';

/** One `name="value"` pair of the header and the comma after it. */
const PAIR = /[ \t]*([A-Za-z0-9_]+)="([^"]*)"[ \t]*,?/y;
const sign = SIGNATURE_METHODS['HMAC-SHA1'].sign;

const decode = (text) => (text.includes('%') ? decodeURIComponent(text) : text);

/** A verifier of the requests of one consumer and token; returns whether each request is accepted. */
export function bareVerifier({ consumerKey, consumerSecret, token, tokenSecret, now, windowSeconds }) {
  const nonces = new Map();
  const seconds = Math.floor(now / 1000);
  const credentials = { consumerSecret, tokenSecret };
  return (request) => {
    const { authorization, host } = request.headers;
    const names = [];
    const values = [];
    const oauth = {};
    PAIR.lastIndex = 'OAuth '.length;
    while (PAIR.lastIndex < authorization.length) {
      const pair = PAIR.exec(authorization);
      if (!pair) return false;
      const value = decode(pair[2]);
      oauth[pair[1]] = value;
      if (pair[1] === 'oauth_signature') continue;
      names.push(pair[1]);
      values.push(value);
    }
    const q = request.target.indexOf('?');
    const path = q < 0 ? request.target : request.target.slice(0, q);
    if (q >= 0) {
      for (const part of request.target.slice(q + 1).split('&')) {
        const eq = part.indexOf('=');
        names.push(decode(eq < 0 ? part : part.slice(0, eq)));
        values.push(eq < 0 ? '' : decode(part.slice(eq + 1)));
      }
    }
    if (oauth.oauth_consumer_key !== consumerKey || oauth.oauth_token !== token) return false;
    if (Math.abs(Number(oauth.oauth_timestamp) - seconds) > windowSeconds) return false;
    const encoded = names.map((name, i) => [percentEncode(name), percentEncode(values[i])]);
    encoded.sort(([n1, v1], [n2, v2]) => (n1 < n2 ? -1 : n1 > n2 ? 1 : v1 < v2 ? -1 : v1 > v2 ? 1 : 0));
    const normalized = encoded.map(([name, value]) => `${name}=${value}`).join('&');
    const uri = `http://${host.toLowerCase()}${path}`;
    const base = `${request.method}&${percentEncode(uri)}&${percentEncode(normalized)}`;
    const expected = Buffer.from(sign(base, credentials));
    const actual = Buffer.from(oauth.oauth_signature ?? '');
    if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return false;
    const key = `${consumerKey}&${token}&${oauth.oauth_timestamp}&${oauth.oauth_nonce}`;
    if (nonces.has(key)) return false;
    nonces.set(key, now + windowSeconds * 1000);
    return true;
  };
}
