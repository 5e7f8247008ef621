/**
 * The gateway's reading of the upstream's answers: every framing RFC 9112 allows, read the same
 * whether the bytes come at once or one at a time, and every answer that could be read two ways
 * refused before anything of it is passed on.
 */
import { describe, expect, it } from 'vitest';
import {
  type ResponseHead,
  ResponseParser,
  UpstreamProtocolError,
} from '../../packages/server/src/server/gateway/response-parser.js';

interface Read {
  head?: ResponseHead;
  body: string;
  /** `undefined` until the answer is whole. */
  reusable?: boolean;
}

/** Feeds `text` (Latin-1) in pieces of `step` bytes; `ended`: then the connection closes. */
function read(text: string, step = Infinity, options: { head?: boolean; ended?: boolean } = {}): Read {
  const result: Read = { body: '' };
  const parser = new ResponseParser(options.head === true, {
    onHead: (head) => (result.head = head),
    onBody: (chunk) => (result.body += chunk.toString('latin1')),
    onComplete: (reusable) => (result.reusable = reusable),
  });
  const bytes = Buffer.from(text, 'latin1');
  for (let at = 0; at < bytes.length; at += step) parser.push(bytes.subarray(at, at + step));
  if (options.ended) parser.end();
  return result;
}

/** Each way of feeding `text`: whole, and one byte at a time, and three at a time. */
function readEveryWay(text: string, options?: { head?: boolean; ended?: boolean }): Read {
  const whole = read(text, Infinity, options);
  expect(read(text, 1, options)).toEqual(whole);
  expect(read(text, 3, options)).toEqual(whole);
  return whole;
}

/** What refusing `text` says, checking that no head was passed on before it. */
function refusal(text: string, options?: { head?: boolean; ended?: boolean }): string {
  for (const step of [Infinity, 1]) {
    let head: ResponseHead | undefined;
    const parser = new ResponseParser(options?.head === true, {
      onHead: (h) => (head = h),
      onBody: () => undefined,
      onComplete: () => undefined,
    });
    const bytes = Buffer.from(text, 'latin1');
    try {
      for (let at = 0; at < bytes.length; at += step) parser.push(bytes.subarray(at, at + step));
      if (options?.ended) parser.end();
    } catch (error) {
      expect(error).toBeInstanceOf(UpstreamProtocolError);
      if (step === 1) return (error as Error).message;
      // A framing that cannot be trusted is refused before the status is passed on.
      if (!/chunk|closed|after the end|trailer/.test((error as Error).message)) expect(head).toBeUndefined();
      continue;
    }
    throw new Error(`not refused: ${JSON.stringify(text)}`);
  }
  throw new Error('unreachable');
}

describe('the gateway reads the upstream’s answer', () => {
  it('by its Content-Length, with the status, reason and headers as written', () => {
    const answer = readEveryWay('HTTP/1.1 201 Created Here\r\nX-Case: A b\r\nContent-Length: 5\r\n\r\nhello');
    expect(answer).toEqual({
      head: {
        status: 201,
        reason: 'Created Here',
        headers: ['X-Case', 'A b', 'Content-Length', '5'],
        keepAlive: undefined,
      },
      body: 'hello',
      reusable: true,
    });
  });

  it('keeps header bytes beyond ASCII as they are, and trims only the white space around a value', () => {
    const answer = readEveryWay('HTTP/1.1 200 OK\r\nX-Name: \t caf\xe9 \t\r\nContent-Length: 0\r\n\r\n');
    expect(answer.head?.headers).toEqual(['X-Name', 'caf\xe9', 'Content-Length', '0']);
    expect(answer.reusable).toBe(true);
  });

  it('in chunks, with extensions and trailers, which are checked and not passed on', () => {
    const answer = readEveryWay(
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' +
        '5;name=value\r\nhello\r\nA\r\n, world!!!\r\n0\r\nX-Trailer: yes\r\n\r\n',
    );
    expect(answer.body).toBe('hello, world!!!');
    expect(answer.reusable).toBe(true);
  });

  it('until the connection closes when it has neither length nor chunks; that connection is not reused', () => {
    const answer = readEveryWay('HTTP/1.1 200 OK\r\nX-A: 1\r\n\r\nall of this', { ended: true });
    expect(answer).toMatchObject({ body: 'all of this', reusable: false });
    expect(refusal('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort', { ended: true })).toBe(
      'the connection closed before the answer was whole',
    );
  });

  it('without a body for HEAD, 204 and 304, whatever their headers say', () => {
    expect(readEveryWay('HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n', { head: true })).toMatchObject({
      body: '',
      reusable: true,
    });
    expect(readEveryWay('HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n').reusable).toBe(true);
    expect(readEveryWay('HTTP/1.1 304 Not Modified\r\nContent-Length: 4\r\n\r\n').body).toBe('');
  });

  it('past 1xx answers to the final one', () => {
    const answer = readEveryWay(
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n' +
        'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
    );
    expect(answer).toMatchObject({ head: { status: 200 }, body: 'ok', reusable: true });
    expect(refusal('HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n')).toMatch(/switch of protocols/);
  });

  it('does not reuse the connection after HTTP/1.0, Connection: close, or bytes it never asked for', () => {
    expect(readEveryWay('HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\na').reusable).toBe(false);
    expect(
      readEveryWay('HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\nContent-Length: 1\r\n\r\na').reusable,
    ).toBe(false);
    expect(read('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 200 OK\r\n')).toMatchObject({
      body: 'a',
      reusable: false,
    });
  });

  it('says how long the upstream keeps an idle connection', () => {
    const answer = read('HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5, max=100\r\nContent-Length: 0\r\n\r\n');
    expect(answer.head?.keepAlive).toBe('timeout=5, max=100');
  });

  const refused: [string, string, RegExp][] = [
    ['a status line of another protocol', 'HTTP/2.0 200 OK\r\n\r\n', /status line/],
    ['a status code of four digits', 'HTTP/1.1 2000 OK\r\n\r\n', /status line/],
    ['a control character in the reason', 'HTTP/1.1 200 O\x01K\r\n\r\n', /status line/],
    [
      'obsolete line folding',
      'HTTP/1.1 200 OK\r\nX-A: 1\r\n  folded\r\nContent-Length: 0\r\n\r\n',
      /header line/,
    ],
    ['white space before the colon', 'HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n', /header line/],
    ['a name that is not a token', 'HTTP/1.1 200 OK\r\nX(A): 1\r\nContent-Length: 0\r\n\r\n', /header line/],
    ['a line without a colon', 'HTTP/1.1 200 OK\r\nnonsense\r\n\r\n', /header line/],
    ['a bare LF inside a value', 'HTTP/1.1 200 OK\r\nX-A: 1\nContent-Length: 5\r\n\r\n', /control character/],
    ['a NUL in a value', 'HTTP/1.1 200 OK\r\nX-A: a\0b\r\n\r\n', /control character/],
    [
      'both Transfer-Encoding and Content-Length',
      'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      /both/,
    ],
    [
      'a transfer coding besides chunked',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n',
      /coding/,
    ],
    [
      'chunked twice',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n',
      /coding/,
    ],
    ['two lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab', /one number/],
    // Even of one value, as llhttp refuses them: the client would get the list as it came.
    [
      'a length repeated',
      'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc',
      /one number/,
    ],
    ['a length listed twice', 'HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\nabc', /one number/],
    // Only space and tab are white space around a value: a no-break space is part of it.
    ['a length beside a no-break space', 'HTTP/1.1 200 OK\r\nContent-Length: 3\xa0\r\n\r\nabc', /one number/],
    [
      'chunked beside a no-break space',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: \xa0chunked\r\n\r\n0\r\n\r\n',
      /coding/,
    ],
    [
      'a trailer section past 64 KiB',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n' +
        'X-T: aaaaaaaa\r\n'.repeat(5000) +
        '\r\n',
      /trailer section too long/,
    ],
    [
      'more than 16 1xx answers',
      'HTTP/1.1 103 Early Hints\r\n\r\n'.repeat(17) + 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n',
      /too many 1xx/,
    ],
    ['a length with a sign', 'HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\nhello', /one number/],
    ['a length that is not a number', 'HTTP/1.1 200 OK\r\nContent-Length: 0x5\r\n\r\nhello', /one number/],
    ['an empty length', 'HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n', /one number/],
    [
      'a chunk size that is not hexadecimal',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n',
      /chunk size/,
    ],
    [
      'white space after a chunk size',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n',
      /chunk size/,
    ],
    [
      'a chunk size too large to be a length',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' + 'f'.repeat(14) + '\r\n',
      /chunk size/,
    ],
    [
      'a chunk longer than its size',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n',
      /longer than its size/,
    ],
    [
      'a malformed trailer',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nbad trailer\r\n\r\n',
      /trailer line/,
    ],
    [
      'a header section past 64 KiB',
      `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(65 * 1024)}\r\n\r\n`,
      /too long/,
    ],
  ];
  it.each(refused)('refuses %s', (_what, text, message) => {
    expect(refusal(text)).toMatch(message);
  });

  it('reads a head sent a byte at a time up to its limit', () => {
    const value = 'v'.repeat(60 * 1024);
    const answer = read(`HTTP/1.1 200 OK\r\nX-Long: ${value}\r\nContent-Length: 2\r\n\r\nok`, 1);
    expect(answer.head?.headers).toEqual(['X-Long', value, 'Content-Length', '2']);
    expect(answer).toMatchObject({ body: 'ok', reusable: true });
  });

  it('refuses a header section without its end past 64 KiB, instead of holding it', () => {
    const parser = new ResponseParser(false, { onHead: () => {}, onBody: () => {}, onComplete: () => {} });
    parser.push(Buffer.from('HTTP/1.1 200 OK\r\n'));
    const line = Buffer.from(`X-A: ${'a'.repeat(1000)}\r\n`);
    expect(() => {
      for (let i = 0; i < 70; i++) parser.push(line);
    }).toThrow(/too long/);
  });
});
