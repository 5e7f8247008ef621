/**
 * The parameter collector and the strict decoder: examples, then properties over arbitrary input.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { authorizationHeader } from '../../packages/countersign/src/core/authorization-header.js';
import {
  collectParameters,
  isProtocolName,
  PROTOCOL_PARAMETER_NAMES,
  parseAuthorizationHeader,
  parseFormEncoded,
} from '../../packages/countersign/src/core/parameters.js';
import { percentDecode, percentEncode } from '../../packages/countersign/src/core/percent-encoding.js';
import { MalformedInputError } from '../../packages/countersign/src/core/malformed-input.js';

function problemOf(run: () => unknown): MalformedInputError {
  try {
    run();
  } catch (error) {
    if (error instanceof MalformedInputError) return error;
    throw error;
  }
  throw new Error('expected a MalformedInputError');
}

describe('percentDecode', () => {
  it('decodes "+" as a space only in form encoding', () => {
    expect(percentDecode('a+b%2B', { plusAsSpace: true })).toBe('a b+');
    expect(percentDecode('a+b%2B', { plusAsSpace: false })).toBe('a+b+');
  });

  it.each(['%', '%4', '%G0', 'abc%zz', '%%41'])('refuses the malformed escape in %j', (text) => {
    const problem = problemOf(() =>
      percentDecode(text, { plusAsSpace: true, context: { name: 'q', raw: text } }),
    );
    expect([problem.parameter, problem.value]).toEqual(['q', text]);
  });

  it.each(['%FF', '%C3', '%C3%28', '%ED%A0%80'])('refuses %s, which is not UTF-8', (text) => {
    expect(problemOf(() => percentDecode(text)).value).toBe(text);
  });

  it('accepts lower-case hex and raw non-ASCII', () => {
    expect(percentDecode('%e3%80%81é')).toBe('、é');
  });

  it('keeps a leading U+FEFF, which a UTF-8 decoder drops by default', () => {
    expect(percentDecode('%EF%BB%BFa')).toBe('\uFEFFa');
  });
});

describe('parseFormEncoded', () => {
  it('keeps order, names without "=", empty values and repeated names; skips empty segments', () => {
    const parsed = parseFormEncoded('a=1&&b&a=2&c=', 'query').map((p) => [p.name, p.value]);
    expect(parsed).toEqual([
      ['a', '1'],
      ['b', ''],
      ['a', '2'],
      ['c', ''],
    ]);
  });

  it('names the parameter whose value is malformed', () => {
    const malformed = problemOf(() => parseFormEncoded('ok=1&bad=%ZZ', 'body'));
    expect([malformed.parameter, malformed.value]).toEqual(['bad', '%ZZ']);
  });
});

describe('parseAuthorizationHeader', () => {
  it('tolerates optional whitespace and any case of the scheme', () => {
    const parsed = parseAuthorizationHeader('oauth   realm="r",oauth_nonce="n%20x" ,\toauth_token = "t"  ');
    expect(parsed?.realm).toBe('r');
    expect(parsed?.parameters.map((p) => [p.name, p.value, p.source])).toEqual([
      ['oauth_nonce', 'n x', 'header'],
      ['oauth_token', 't', 'header'],
    ]);
  });

  it('ignores other schemes', () => {
    expect(parseAuthorizationHeader('Basic dXNlcjpwYXNz')).toBeUndefined();
    expect(parseAuthorizationHeader('OAuthX a="b"')).toBeUndefined();
  });

  it('takes "OAuth" alone as no parameters', () => {
    expect(parseAuthorizationHeader('OAuth')).toEqual({ parameters: [] });
  });

  it.each([
    'OAuth oauth_nonce=n',
    'OAuth oauth_nonce="n',
    'OAuth oauth_nonce="n" oauth_token="t"',
    'OAuth oauth_nonce="n",',
    'OAuth oauth_nonce="n", \t',
    'OAuth ,oauth_nonce="n"',
    'OAuth oauth_nonce="a\\"b"',
    'OAuth realm="a", realm="b"',
    'OAuth oauth nonce="n"',
    'OAuth oauth_nonce="%zz"',
  ])('refuses %j as malformed input', (header) => {
    const problem = problemOf(() => parseAuthorizationHeader(header));
    expect(problem.parameter).not.toBe('');
  });

  it.each([
    'OAuth oauth_signature="consumersecret%26tokensecret',
    'OAuth oauth_nonce="n" oauth_signature="consumersecret%26tokensecret"',
    'OAuth oauth_version="1.0, oauth_signature="consumersecret%26tokensecret"',
    'OAuth oauth_signature=consumersecret%26tokensecret"',
  ])('shows no signature of the malformed header %j', (header) => {
    const problem = problemOf(() => parseAuthorizationHeader(header));
    expect(problem.value).not.toContain('consumersecret');
    expect(problem.advice).not.toContain('consumersecret');
  });

  it('round-trips what authorizationHeader writes', () => {
    const params: [string, string][] = [
      ['oauth_consumer_key', 'k=ey&'],
      ['oauth_callback', 'http://printer.example.com/ready?x=1 2'],
    ];
    const parsed = parseAuthorizationHeader(authorizationHeader(params, 'Photos'));
    expect(parsed?.realm).toBe('Photos');
    expect(parsed?.parameters.map((p) => [p.name, p.value])).toEqual(params);
  });
});

describe('protocol names', () => {
  it('are unreserved text, which the base string takes as it is', () => {
    for (const name of PROTOCOL_PARAMETER_NAMES) expect(percentEncode(name)).toBe(name);
  });

  it('are told from other names, decoded or not', () => {
    for (const name of PROTOCOL_PARAMETER_NAMES) {
      expect(isProtocolName(name)).toBe(true);
      expect(isProtocolName(percentDecode(percentEncode(name).replace('_', '%5F')))).toBe(true);
    }
    for (const name of ['oauth_', 'oauth_token[]', 'OAUTH_TOKEN', 'realm', 'oauth_tokens', ''])
      expect(isProtocolName(name), name).toBe(false);
  });
});

describe('collectParameters', () => {
  it('keeps each parameter’s source, header first', () => {
    const { parameters } = collectParameters({
      authorization: 'OAuth oauth_nonce="h"',
      query: 'oauth_nonce=q',
      formBody: 'oauth_nonce=b',
    });
    expect(parameters.map((p) => p.source)).toEqual(['header', 'query', 'body']);
  });

  it('treats "realm" in the query as an ordinary parameter', () => {
    const collected = collectParameters({ query: 'realm=x' });
    expect(collected.realm).toBeUndefined();
    expect(collected.parameters).toEqual([{ name: 'realm', value: 'x', source: 'query' }]);
  });
});

/** Arbitrary text that exercises the decoder: escapes (good and bad), "+", "=", "&", quotes, non-ASCII. */
const nasty = fc.string({
  unit: fc.oneof(
    fc.constantFrom(
      '%',
      '%2',
      '%41',
      '%e3%80%81',
      '%FF',
      '+',
      '=',
      '&',
      ',',
      '"',
      ' ',
      '\t',
      '\\',
      'OAuth ',
      'a',
    ),
    fc.string({ unit: 'binary', maxLength: 2 }),
  ),
  maxLength: 40,
});

function onlyProblems(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(MalformedInputError);
  }
}

describe('properties', () => {
  it('the decoders throw nothing but MalformedInputError on arbitrary input', () => {
    fc.assert(
      fc.property(nasty, fc.boolean(), (text, plus) => {
        onlyProblems(() => percentDecode(text, { plusAsSpace: plus }));
        onlyProblems(() => parseFormEncoded(text, 'query'));
      }),
      { numRuns: 2000 },
    );
  });

  it('the header parser throws nothing but parameter_rejected on arbitrary input', () => {
    const header = fc.tuple(fc.constantFrom('OAuth ', 'oauth', 'OAuth\t', ''), nasty).map(([a, b]) => a + b);
    fc.assert(
      fc.property(header, (text) => onlyProblems(() => parseAuthorizationHeader(text))),
      { numRuns: 2000 },
    );
  });

  it('decodes as decodeURIComponent does, and refuses what it refuses', () => {
    // Pieces of text, escapes of ASCII and of UTF-8, and malformed ones; no lone surrogates, which
    // decodeURIComponent passes through and the decoder turns into U+FFFD.
    const piece = fc.constantFrom(
      ...['a', 'Z', '0', '-', '.', '~', '+', ' ', '=', '&', '%', 'é', '、', '😀'],
      ...['%41', '%2B', '%2b', '%3D', '%00', '%7F', '%80', '%FF', '%C3%A9', '%e3%80%81', '%EF%BB%BF'],
      ...['%C3', '%F0%9F%98%80', '%ED%A0%80', '%G1', '%4'],
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), fc.boolean(), (pieces, plus) => {
        const text = pieces.join('');
        let expected: string | undefined;
        try {
          expected = decodeURIComponent(plus ? text.replaceAll('+', ' ') : text);
        } catch {
          expected = undefined;
        }
        if (expected === undefined)
          onlyProblems(() => expect(percentDecode(text, { plusAsSpace: plus })).toBe('refused'));
        else expect(percentDecode(text, { plusAsSpace: plus })).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it('encode then decode gives back any well-formed string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        const encoded = percentEncode(text);
        expect(encoded).toMatch(/^(?:[A-Za-z0-9\-._~]|%[0-9A-F]{2})*$/);
        expect(percentDecode(encoded, { plusAsSpace: true })).toBe(text);
      }),
      { numRuns: 2000 },
    );
  });

  it('a header written by authorizationHeader parses back to the same parameters', () => {
    const pair = fc.tuple(fc.string({ unit: 'grapheme', minLength: 1 }), fc.string({ unit: 'grapheme' }));
    fc.assert(
      fc.property(fc.array(pair, { maxLength: 6 }), (params) => {
        const parsed = parseAuthorizationHeader(authorizationHeader(params));
        expect(parsed?.parameters.map((p) => [p.name, p.value])).toEqual(params);
      }),
    );
  });
});

describe('the base string fast paths', () => {
  /** RFC 5849 §3.6 the plain way: UTF-8, encodeURIComponent, then the four it leaves alone. */
  const reference = (value: string) =>
    encodeURIComponent(value.toWellFormed()).replace(
      /[!'()*]/g,
      (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
    );
  const text = fc.oneof(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), fc.string());

  it('percentEncode equals the plain encoder on any text', () => {
    fc.assert(
      fc.property(text, (value) => {
        expect(percentEncode(value)).toBe(reference(value));
      }),
      { numRuns: 2000 },
    );
  });

  it('normalizeParameters sorts like a plain sort, for short lists and long ones', async () => {
    const { normalizeParameters } = await import('../../packages/countersign/src/core/base-string.js');
    // Few distinct names and values, so that lists have ties on the name, and on both.
    const pair = fc.record({
      name: fc.constantFrom('a', 'b', 'a b', 'oauth_nonce', 'é'),
      value: fc.constantFrom('', '1', '2', 'x y'),
    });
    const byNameThenValue = (a: string[], b: string[]) =>
      a.join('=') === b.join('=') ? 0 : a[0] !== b[0] ? (a[0]! < b[0]! ? -1 : 1) : a[1]! < b[1]! ? -1 : 1;
    // Up to 16 pairs are sorted one way, more another: lists of both lengths.
    const lists = fc.oneof(
      fc.array(pair, { maxLength: 16 }),
      fc.array(pair, { minLength: 17, maxLength: 40 }),
    );
    fc.assert(
      fc.property(lists, (pairs) => {
        const plain = pairs
          .map((p) => [reference(p.name), reference(p.value)])
          .sort(byNameThenValue)
          .map(([name, value]) => `${name}=${value}`)
          .join('&');
        expect(normalizeParameters(pairs)).toBe(plain);
      }),
      { numRuns: 1000 },
    );
  });

  it('signatureBaseString equals encoding the normalized parameters a second time', async () => {
    const { normalizeParameters, signatureBaseString } =
      await import('../../packages/countersign/src/core/base-string.js');
    const pair = fc.record({ name: text, value: text });
    // The pairs are sorted encoded twice: names and values whose order a "%" could decide, with ties.
    const close = fc.constantFrom('a', 'a%', 'a%41', 'a b', 'a-', 'a!', 'a~', '%', '%25', 'é', '');
    const lists = fc.oneof(
      fc.array(pair, { maxLength: 8 }),
      fc.array(fc.record({ name: close, value: close }), { maxLength: 40 }),
    );
    fc.assert(
      fc.property(lists, text, (pairs, uri) => {
        const expected = `GET&${reference(uri)}&${reference(normalizeParameters(pairs))}`;
        expect(signatureBaseString('get', uri, pairs)).toBe(expected);
      }),
      { numRuns: 1000 },
    );
  });
});
