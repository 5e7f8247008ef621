/**
 * Every vector of the shared vector file, run through the protocol core.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  baseStringUri,
  normalizeParameters,
  signatureBaseString,
  splitUrl,
} from '../../packages/countersign/src/core/base-string.js';
import { bodyHash, verifyBodyHash } from '../../packages/countersign/src/core/body-hash.js';
import {
  collectParameters,
  type Parameter,
  parseFormEncoded,
} from '../../packages/countersign/src/core/parameters.js';
import { percentDecode, percentEncode } from '../../packages/countersign/src/core/percent-encoding.js';
import { SIGNATURE_METHODS } from '../../packages/countersign/src/core/signature-methods.js';
import { vectors } from '../fixtures/vectors.js';

const pairs = (list: [string, string][]): Parameter[] =>
  list.map(([name, value]) => ({ name, value, source: 'header' }));

describe('percent-encoding (wiki TestCases §5.1, liboauth)', () => {
  const cases = [...vectors.percent_encoding.cases, ...vectors.percent_encoding_extra.cases];
  it.each(cases)('encodes $expected', ({ input, expected }) => {
    expect(percentEncode(input)).toBe(expected);
    expect(percentDecode(expected)).toBe(input);
  });
});

describe('parameter normalization (wiki TestCases §9.1.1)', () => {
  it.each(vectors.normalize_parameters.cases)('normalizes $input', ({ input, expected }) => {
    expect(normalizeParameters(parseFormEncoded(input, 'query'))).toBe(expected);
  });
});

describe('signature base strings (wiki TestCases §9.1.2)', () => {
  it.each(vectors.base_strings.cases)('$method $url', ({ method, url, params, expected }) => {
    const uri = baseStringUri(splitUrl(url));
    expect(signatureBaseString(method, uri, parseFormEncoded(params, 'body'))).toBe(expected);
  });
});

describe('base string URI (RFC 5849 §3.4.1.2)', () => {
  it.each(vectors.rfc5849_3_4_1_2_base_uri.cases)('$request', ({ request, expected }) => {
    const match = /^GET (\S+?)(?:\?\S*)? HTTP\/1\.1 \/ Host: (\S+) \((\w+)\)$/.exec(request);
    expect(match).not.toBeNull();
    const [, path = '', host = '', scheme = ''] = match ?? [];
    expect(baseStringUri({ scheme, host, path })).toBe(expected);
  });
});

describe('HMAC-SHA1 (wiki TestCases §9.2)', () => {
  it.each(vectors.hmac_sha1.cases)('signs with $consumer_secret&$token_secret', (v) => {
    const credentials = { consumerSecret: v.consumer_secret, tokenSecret: v.token_secret };
    expect(SIGNATURE_METHODS['HMAC-SHA1'].sign(v.base_string, credentials)).toBe(v.expected);
    expect(SIGNATURE_METHODS['HMAC-SHA1'].verify(v.base_string, v.expected, credentials)).toBe(true);
    expect(SIGNATURE_METHODS['HMAC-SHA1'].verify(`${v.base_string}x`, v.expected, credentials)).toBe(false);
  });
});

describe('PLAINTEXT (wiki TestCases)', () => {
  it.each(vectors.plaintext.cases)('signs as $expected', (v) => {
    const credentials = { consumerSecret: v.consumer_secret, tokenSecret: v.token_secret };
    expect(SIGNATURE_METHODS.PLAINTEXT.sign('ignored', credentials)).toBe(v.expected);
    expect(SIGNATURE_METHODS.PLAINTEXT.verify('ignored', v.expected, credentials)).toBe(true);
    expect(SIGNATURE_METHODS.PLAINTEXT.verify('ignored', `${v.expected}x`, credentials)).toBe(false);
  });
});

describe("liboauth Eran's request: reserved characters in secrets, default port in the URL", () => {
  const v = vectors.liboauth_eran_request;
  it('builds the base string and signature', () => {
    const uri = baseStringUri(splitUrl(v.url_as_sent));
    const base = signatureBaseString(v.method, uri, pairs(v.params));
    expect(base).toBe(v.expected_base_string);
    const credentials = { consumerSecret: v.consumer_secret, tokenSecret: v.token_secret };
    expect(SIGNATURE_METHODS['HMAC-SHA1'].sign(base, credentials)).toBe(v.expected_signature);
  });
});

describe('RFC 5849 §3.4.1 example, from the raw HTTP request', () => {
  const v = vectors.rfc5849_3_4_1;
  const [head = '', body = ''] = v.request.split('\n\n');
  const [requestLine = '', ...headerLines] = head.split('\n');
  const headers = Object.fromEntries(
    headerLines.map((line) => [
      line.slice(0, line.indexOf(':')).toLowerCase(),
      line.slice(line.indexOf(':') + 1).trim(),
    ]),
  );
  const [method = '', target = ''] = requestLine.split(' ');
  const [path = '', query = ''] = target.split('?');
  const collected = collectParameters({ authorization: headers.authorization, query, formBody: body });
  const signed = collected.parameters.filter((p) => p.name !== 'oauth_signature');

  it('collects the decoded parameters (§3.4.1.3.1), realm apart', () => {
    expect(query).toBe(v.uri_query);
    expect(collected.realm).toBe('Example');
    const decoded = signed.map((p) => [p.name, p.value]);
    expect([...decoded].sort()).toEqual([...v.decoded_params].sort());
  });

  it('normalizes them (§3.4.1.3.2)', () => {
    expect(normalizeParameters(signed)).toBe(v.expected_normalized);
  });

  it('builds the base string and the corrected signature (Errata 2550)', () => {
    const uri = baseStringUri({ scheme: 'http', host: headers.host ?? '', path });
    const base = signatureBaseString(method, uri, collected.parameters);
    expect(base).toBe(v.expected_base_string);
    const credentials = { consumerSecret: v.client_secret, tokenSecret: v.token_secret };
    expect(SIGNATURE_METHODS['HMAC-SHA1'].sign(base, credentials)).toBe('r6/TJjbCOr97/+UU0NsvSne7s5g=');
    expect(SIGNATURE_METHODS['HMAC-SHA1'].sign(base, credentials)).toBe(v.expected_signature);
    expect(SIGNATURE_METHODS['HMAC-SHA1'].verify(base, v.rfc_printed_signature_WRONG, credentials)).toBe(
      false,
    );
  });

  it.each(['HMAC-SHA1', 'HMAC-SHA256', 'HMAC-SHA512'] as const)(
    'signs with %s (oauthlib vectors)',
    (method) => {
      const x = v.oauthlib_extra_hmac_vectors;
      const credentials = { consumerSecret: x.client_secret, tokenSecret: x.token_secret };
      expect(SIGNATURE_METHODS[method].sign(v.expected_base_string, credentials)).toBe(x[method]);
      expect(SIGNATURE_METHODS[method].verify(v.expected_base_string, x[method], credentials)).toBe(true);
    },
  );
});

describe('RFC 5849 §1.2 flow', () => {
  const flow = vectors.rfc5849_1_2_flow;
  it.each(flow.cases)('$step', (step) => {
    const base = signatureBaseString(step.method, step.base_uri, pairs(step.params));
    expect(base).toBe(step.expected_base_string);
    const credentials = { consumerSecret: 'kd94hf93k423kf44', tokenSecret: step.token_secret };
    expect(SIGNATURE_METHODS['HMAC-SHA1'].sign(base, credentials)).toBe(step.expected_signature);
  });

  it('responses and the authorize redirect are form-encoded', () => {
    const initiate = parseFormEncoded(flow.cases[0]?.response_body ?? '', 'body');
    expect(initiate.map((p) => p.name)).toEqual([
      'oauth_token',
      'oauth_token_secret',
      'oauth_callback_confirmed',
    ]);
    const redirect = splitUrl(flow.authorize_redirect);
    expect(parseFormEncoded(redirect.query, 'query').map((p) => [p.name, p.value])).toEqual([
      ['oauth_token', 'hh5s93j4hdidpola'],
      ['oauth_verifier', 'hfdp7dh39dks9884'],
    ]);
  });
});

describe('Twitter documentation example: query, form body and header together', () => {
  const v = vectors.twitter_doc_example;
  it('builds the base string and signature', () => {
    const authorization =
      'OAuth oauth_consumer_key="xvz1evFS4wEEPTGEFPHBog", oauth_nonce="kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg", ' +
      'oauth_signature="tnnArxj06cWHq44gCs1OSKk%2FjLY%3D", oauth_signature_method="HMAC-SHA1", ' +
      'oauth_timestamp="1318622958", oauth_token="370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb", oauth_version="1.0"';
    const { parameters } = collectParameters({ authorization, query: v.query, formBody: v.body_form });
    const base = signatureBaseString(v.method, baseStringUri(splitUrl(v.url)), parameters);
    expect(base).toBe(v.expected_base_string);
    const credentials = { consumerSecret: v.consumer_secret, tokenSecret: v.token_secret };
    expect(SIGNATURE_METHODS['HMAC-SHA1'].sign(base, credentials)).toBe(v.expected_signature);
  });
});

describe('RSA-SHA1 (wiki TestCases §9.3)', () => {
  const v = vectors.rsa_sha1;
  it('signs with the private key and verifies with the certificate', () => {
    const credentials = {
      consumerSecret: '',
      tokenSecret: '',
      privateKey: v.private_key_pem,
      publicKey: v.certificate_pem,
    };
    expect(SIGNATURE_METHODS['RSA-SHA1'].sign(v.base_string, credentials)).toBe(v.expected_signature);
    expect(SIGNATURE_METHODS['RSA-SHA1'].verify(v.base_string, v.expected_signature, credentials)).toBe(true);
    expect(SIGNATURE_METHODS['RSA-SHA1'].verify(`${v.base_string}x`, v.expected_signature, credentials)).toBe(
      false,
    );
  });
});

describe('oauth_body_hash', () => {
  it.each(vectors.body_hash.cases)('hashes "$body"', ({ body, sha1_b64 }) => {
    expect(bodyHash(body, 'sha1')).toBe(sha1_b64);
    expect(verifyBodyHash(body, sha1_b64, 'sha1')).toBe(true);
    expect(verifyBodyHash(`${body} `, sha1_b64, 'sha1')).toBe(false);
  });
});

describe('the fixture', () => {
  const shared = new URL('../../../shared/vectors/oauth1-vectors.json', import.meta.url);
  it.skipIf(!existsSync(shared))('is a byte-for-byte copy of the shared vector file', () => {
    const fixture = readFileSync(new URL('../fixtures/oauth1-vectors.json', import.meta.url));
    expect(fixture.equals(readFileSync(shared))).toBe(true);
  });
});
