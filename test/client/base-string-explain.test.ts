/**
 * Why a client's base string differs from the server's: each common client bug named in words,
 * against base strings the server's own functions computed (RFC 5849 §3.4.1).
 */
import { describe, expect, it } from 'vitest';
import {
  compareBaseStrings,
  explainDifference,
} from '../../packages/countersign/src/client/base-string-diff.js';
import {
  baseStringParameters,
  normalizedBaseString,
} from '../../packages/countersign/src/client/base-string-normalize.js';
import { signatureBaseString } from '../../packages/countersign/src/core/base-string.js';

const OAUTH = [
  { name: 'oauth_consumer_key', value: 'key' },
  { name: 'oauth_nonce', value: 'n1' },
  { name: 'oauth_signature_method', value: 'HMAC-SHA1' },
  { name: 'oauth_timestamp', value: '137131200' },
  { name: 'oauth_version', value: '1.0' },
];
const server = signatureBaseString('GET', 'http://api.example/photos', [
  ...OAUTH,
  { name: 'size', value: 'big one' },
]);

/** The server's base string with `from` replaced by `to`, as a buggy client would compute it. */
const client = (from: string | RegExp, to: string) => {
  const changed = server.replace(from, to);
  expect(changed).not.toBe(server);
  return changed;
};

describe('explainDifference', () => {
  it('says nothing of identical base strings', () => {
    expect(explainDifference(server, server)).toBeUndefined();
  });

  it.each([
    ['a method in lower case', client(/^GET/, 'get'), /upper case, "GET"/],
    ['another method', client(/^GET/, 'POST'), /signed the method POST, the request was sent as GET/],
    ['the scheme in upper case', client('http%3A', 'HTTP%3A'), /scheme must be in lower case/],
    [
      'https behind a proxy',
      client('http%3A', 'https%3A'),
      /signed an https URL, the server took the request for http .*public URL/,
    ],
    ['the host in upper case', client('api.example', 'API.example'), /host must be in lower case/],
    [
      'the default port kept',
      client('api.example', 'api.example%3A80'),
      /default port 80 of http is left out/,
    ],
    [
      'another port',
      client('api.example', 'api.example%3A8080'),
      /signed the host "api.example:8080".*X-Forwarded-Host/,
    ],
    ['the query in the URI', client('photos&', 'photos%3Fsize%3Dbig%2520one&'), /leaves out the query/],
    ['a trailing slash', client('photos&', 'photos%2F&'), /trailing "\/"/],
    [
      'a URI left unencoded',
      client('http%3A%2F%2Fapi.example%2Fphotos', 'http://api.example/photos'),
      /base string URI .*must be encoded/,
    ],
    [
      'a URI encoded twice',
      client('http%3A%2F%2Fapi.example%2Fphotos', 'http%253A%252F%252Fapi.example%252Fphotos'),
      /percent-encoded twice/,
    ],
    ['a space as +', client('big%2520one', 'big%2Bone'), /the value of size has a space encoded as "\+"/],
    [
      'a + read as a plus sign',
      client('big%2520one', 'big%252Bone'),
      /"\+" signed as a plus sign, where the server read it as a space/,
    ],
    [
      'lower-case hex',
      client('%2Fphotos', '%2fphotos'),
      /base string URI has percent-encoding in lower case/,
    ],
    [
      'an unreserved character encoded',
      client('oauth_version%3D1.0', 'oauth_version%3D1%252E0'),
      /unreserved character/,
    ],
    ['a value encoded twice', client('big%2520one', 'big%252520one'), /once too often/],
    ['a value not encoded', client('big%2520one', 'big%20one'), /leaves a character unencoded/],
    [
      'the parameters not encoded again',
      client(/&[^&]*$/, `&${'oauth_consumer_key=key'}`),
      /not encoded a second time|did not sign/,
    ],
    [
      'oauth_signature included',
      client('size%3D', 'oauth_signature%3Dabc%26size%3D'),
      /oauth_signature is left out/,
    ],
    [
      'realm included',
      client('oauth_signature_method', 'realm%3Dx%26oauth_signature_method'),
      /realm is left out/,
    ],
    [
      'a parameter not signed',
      client('%26size%3Dbig%2520one', ''),
      /received the parameter size.*did not sign/,
    ],
    [
      'a parameter not sent',
      client('%26size%3Dbig%2520one', '%26size%3Dbig%2520one%26zoom%3D2'),
      /signed the parameter zoom, which the server did not receive/,
    ],
    [
      'another value',
      client('big%2520one', 'small'),
      /value of size differs: your client signed "small", the server received "big one"/,
    ],
    ['another nonce', client('oauth_nonce%3Dn1', 'oauth_nonce%3Dn2'), /two different requests/],
    [
      'parameters out of order',
      client('oauth_consumer_key%3Dkey%26oauth_nonce%3Dn1', 'oauth_nonce%3Dn1%26oauth_consumer_key%3Dkey'),
      /not in order/,
    ],
    ['too many parts', client(/&[^&]*$/, '&a=b&c=d'), /malformed: it has 4 "&"-separated parts/],
    ['bad percent-encoding', client('photos', 'photos%zz'), /not valid percent-encoding/],
  ])('names %s', (_what, clientBase, expected) => {
    expect(explainDifference(server, clientBase)).toMatch(expected);
  });
});

describe('compareBaseStrings', () => {
  it('adds the explanation under the caret', () => {
    const lines = compareBaseStrings(server, client(/^GET/, 'get'));
    expect(lines[2]).toMatch(/^ {8}\^ first difference at character 1$/);
    expect(lines[3]).toMatch(/^why: {4}the method is "get"/);
  });
});

describe('normalizedBaseString', () => {
  it('puts a base string together again by the rules', () => {
    expect(normalizedBaseString('get&http%3A%2F%2FA.example%3A80%2F%3Fb%3D1&a%3D2')).toBe(
      'GET&http%3A%2F%2Fa.example%2F&a%3D2%26b%3D1',
    );
    expect(normalizedBaseString(server)).toBe(server);
    // realm and oauth_signature are left out, a + is read as the space it stands for.
    expect(
      normalizedBaseString(
        server.replace('size%3Dbig%2520one', 'realm%3Dr%26oauth_signature%3Ds%26size%3Dbig%2Bone'),
      ),
    ).toBe(server);
  });

  it('is undefined for what is not a base string', () => {
    expect(normalizedBaseString('GET&x')).toBeUndefined();
    expect(normalizedBaseString('GET&ftp%3A%2F%2Fa%2F&')).toBeUndefined();
    expect(normalizedBaseString('GET&http%3A%2F%2Fa%2F&%zz')).toBeUndefined();
  });

  it('reads the protocol parameters of a base string', () => {
    expect(baseStringParameters(server).get('oauth_nonce')).toBe('n1');
    expect(baseStringParameters(server).has('size')).toBe(false);
    expect(baseStringParameters('nonsense').size).toBe(0);
  });
});
