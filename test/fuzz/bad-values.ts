/**
 * The fuzzer's vocabulary of bad input, shared by the OAuth, page and raw generators: broken
 * percent-encodings, odd values, content types, bodies, methods and extra headers.
 */
import fc from 'fast-check';
import { percentEncode } from '../../packages/countersign/src/core/percent-encoding.js';

/** Raw (already percent-encoded) text that no strict decoder accepts, or that decodes to trouble. */
export const BAD_ENCODINGS = [
  '%zz',
  '%',
  '%2',
  '%%',
  '%u0041',
  '%C0%AF', // overlong "/"
  '%E0%80%80', // overlong NUL
  '%ED%A0%80', // a UTF-16 surrogate as UTF-8
  '%FF%FE',
  '%00',
  'a%00b',
  '%0D%0A',
  '+%2B+',
];

/** Decoded values that are wrong for most fields, each percent-encoded before use. */
const ODD_VALUES = [
  '',
  ' ',
  '0',
  '-1',
  '1e9',
  '0x10',
  '99999999999',
  '１２３',
  'null',
  '[object Object]',
  '__proto__',
  'constructor',
  '\u00e9',
  '\u{1F600}',
  '\ud800',
  '"',
  '\\',
  'a,b',
  '\r\n',
  '\u0000',
];

/** A raw value: an odd one encoded, a broken encoding, something random, or a huge one. */
export const rawValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...ODD_VALUES).map(percentEncode),
  fc.constantFrom(...BAD_ENCODINGS),
  fc.string({ unit: 'binary', maxLength: 40 }).map(percentEncode),
  fc.string({ maxLength: 40 }),
  fc.integer({ min: 1000, max: 12_000 }).map((n) => 'a'.repeat(n)),
);

/** Content types a form or an API body should not come with, and some that it may. */
export const CONTENT_TYPES = [
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded; charset=utf-8',
  'application/x-www-form-urlencoded; charset=utf-16',
  'application/x-www-form-urlencoded;;;',
  'application/x-www-form-urlencoded, text/plain',
  'APPLICATION/X-WWW-FORM-URLENCODED',
  'application/json',
  'application/json; charset=latin1',
  'application/vnd.api+json',
  'text/plain',
  'text/html',
  'multipart/form-data; boundary=x',
  'multipart/form-data',
  'application/octet-stream',
  '*/*',
  ';',
  '',
  'x',
  'application/x-www-form-urlencoded; charset="',
];

function nested(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

/** Bodies of every shape: JSON that is not an object, deep nesting, broken forms, binary. */
export const oddBody: fc.Arbitrary<Buffer> = fc.oneof(
  fc
    .constantFrom(
      'null',
      '[]',
      '"text"',
      '1',
      'true',
      '{}',
      '{"text":null}',
      '{"text":["a","b"]}',
      '{"text":{"a":1}}',
      '{"name":{"$gt":""}}',
      '{"__proto__":{"polluted":1}}',
      '{"constructor":{"prototype":{"polluted":1}}}',
      '{"a":',
      '{',
      '&&&=&=',
      '=',
      'text=%zz',
      'text',
      'a[]=1&a[]=2',
      'a[b][c]=1',
      '\u0000\u0000',
      '--x\r\nContent-Disposition: form-data; name="text"\r\n\r\nhi\r\n--x--\r\n',
    )
    .map((text) => Buffer.from(text)),
  fc.constantFrom(100, 5000, 200_000).map((depth) => Buffer.from(nested(depth))),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
  fc.constant(Buffer.from([0xc0, 0xaf, 0xff, 0xfe, 0xed, 0xa0, 0x80])),
);

/** Methods beside the allowed ones, including some that only WebDAV or nobody speaks. */
export const METHODS = [
  'GET',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
  'HEAD',
  'PROPFIND',
  'FOO',
  'SEARCH',
];

/** Headers that change how a request is read: its host, proxies, what it accepts, cookies. */
export function extraHeader(port: number): fc.Arbitrary<[string, string]> {
  return fc.oneof(
    fc.constantFrom<[string, string]>(
      ['host', `LOCALHOST:${port}`],
      ['host', 'localhost'],
      ['host', `[::1]:${port}`],
      ['host', 'localhost:99999'],
      ['host', 'a@b'],
      ['host', ''],
      ['host', '[::1'],
      ['x-forwarded-host', '%zz'],
      ['x-forwarded-host', 'a,b,c'],
      ['x-forwarded-host', ''],
      ['x-forwarded-proto', 'javascript'],
      ['x-forwarded-proto', 'https, http'],
      ['x-forwarded-port', 'abc'],
      ['x-forwarded-port', '99999999999'],
      ['x-forwarded-for', 'not an ip'],
      ['forwarded', 'for="[::1";proto='],
      ['forwarded', 'host=%zz;proto=https'],
      ['forwarded', ';;;,,,'],
      ['accept', 'application/json'],
      ['accept', 'application/json;q=abc, */*;q=-1'],
      ['accept', 'text/html'],
      ['accept', ''],
      ['accept', '*/*;q=0'],
      ['accept-encoding', 'gzip, br, zstd'],
      ['content-encoding', 'gzip'],
      ['cookie', 'cs_session=%zz; _csrf=; ;;='],
      ['cookie', 'cs_session=s%3Afuzzer.1.bad'],
      ['cookie', `cs_session=${'a'.repeat(8000)}`],
      ['transfer-encoding', 'gzip'],
      ['x-http-method-override', 'DELETE'],
      ['if-none-match', '*'],
      ['range', 'bytes=0-1,5-'],
    ),
    fc.tuple(
      fc.stringMatching(/^x-[a-z-]{1,20}$/),
      fc.string({ unit: 'binary-ascii', maxLength: 60 }).map((s) => s.replace(/[^\t\x20-\x7e]/g, '')),
    ),
  );
}
