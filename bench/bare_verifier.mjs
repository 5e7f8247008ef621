// A bare verifier, for comparison: the least work any verifier of the benchmark's requests must do
// (parse the Authorization header and the query, build the signature base string, compute and
// compare the HMAC, record the nonce), with Countersign's own building blocks and none of its other
// checks: no duplicate, version, required or unexpected parameters, no scopes, no store, no promises,
// no problem to report. What it costs bounds what a JavaScript verifier of these requests can reach
// on the machine; it accepts well-formed requests of this one shape only.
import { timingSafeEqual } from 'node:crypto';
import { percentEncode } from '../packages/countersign/dist/core/percent-encoding.js';
import { SIGNATURE_METHODS } from '../packages/countersign/dist/core/signature-methods.js';

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
    // Names and values, percent-encoded for the base string; the signature and the four values
    // checked are kept aside.
    const names = [];
    const values = [];
    let signature = '';
    let consumer = '';
    let accessToken = '';
    let timestamp = '';
    let nonce = '';
    PAIR.lastIndex = 'OAuth '.length;
    while (PAIR.lastIndex < authorization.length) {
      const pair = PAIR.exec(authorization);
      if (!pair) return false;
      const name = pair[1];
      const value = decode(pair[2]);
      if (name === 'oauth_signature') {
        signature = value;
        continue;
      }
      if (name === 'oauth_consumer_key') consumer = value;
      else if (name === 'oauth_token') accessToken = value;
      else if (name === 'oauth_timestamp') timestamp = value;
      else if (name === 'oauth_nonce') nonce = value;
      names.push(name);
      values.push(percentEncode(value));
    }
    const q = request.target.indexOf('?');
    const path = q < 0 ? request.target : request.target.slice(0, q);
    for (let at = q + 1; q >= 0 && at < request.target.length;) {
      let end = request.target.indexOf('&', at);
      if (end < 0) end = request.target.length;
      const eq = request.target.indexOf('=', at);
      const split = eq >= 0 && eq < end;
      names.push(percentEncode(decode(request.target.slice(at, split ? eq : end))));
      values.push(split ? percentEncode(decode(request.target.slice(eq + 1, end))) : '');
      at = end + 1;
    }
    if (consumer !== consumerKey || accessToken !== token) return false;
    if (Math.abs(Number(timestamp) - seconds) > windowSeconds) return false;
    // Sorted by name, then value (insertion sort: a request has a handful of parameters), and
    // joined already encoded a second time ("=" is %3D, "&" is %26, "%" is %25).
    const order = names.map((_, i) => i);
    for (let i = 1; i < order.length; i++) {
      const at = order[i];
      let j = i - 1;
      while (j >= 0 && later(names, values, order[j], at)) order[j + 1] = order[j--];
      order[j + 1] = at;
    }
    let normalized = '';
    for (let k = 0; k < order.length; k++) {
      const i = order[k];
      normalized += `${k === 0 ? '' : '%26'}${again(names[i])}%3D${again(values[i])}`;
    }
    const uri = `http://${host.toLowerCase()}${path}`;
    const base = `${request.method}&${percentEncode(uri)}&${normalized}`;
    const expected = Buffer.from(sign(base, credentials));
    const actual = Buffer.from(signature);
    if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return false;
    const key = `${timestamp}&${nonce}`;
    if (nonces.has(key)) return false;
    nonces.set(key, now + windowSeconds * 1000);
    return true;
  };
}

/** Whether parameter `a` sorts after parameter `b` (by encoded name, then encoded value). */
const later = (names, values, a, b) =>
  names[a] > names[b] || (names[a] === names[b] && values[a] > values[b]);

/** An encoded name or value encoded again: only its "%" signs change. */
const again = (encoded) => (encoded.includes('%') ? encoded.replaceAll('%', '%25') : encoded);
