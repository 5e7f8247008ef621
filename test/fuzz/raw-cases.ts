/**
 * Requests malformed at the HTTP level, written as raw bytes: invalid header bytes, broken chunked
 * encoding, conflicting lengths, odd request lines, a missing `Host`, lines at and past Node's size
 * limits. Node's HTTP parser answers most of them with 400 (or 431) before the app sees them; what
 * counts is that nothing answers 5xx or hangs and the server stays up.
 */
import fc from 'fast-check';
import type { RawRequest } from './send.js';

const PATHS = [
  '/oauth/initiate',
  '/oauth/token',
  '/api/v1/me',
  '/api/v1/notes',
  '/lti/launch',
  '/login',
  '/console/apps',
  '/',
];

/** A request head and body around one broken part. */
function raw(label: string, text: string): RawRequest {
  return { label, bytes: Buffer.from(text, 'latin1') };
}

function head(method: string, path: string, host: string, lines: string[]): string {
  return [`${method} ${path} HTTP/1.1`, `Host: ${host}`, 'Connection: close', ...lines].join('\r\n');
}

export function rawRequests(port: number): fc.Arbitrary<RawRequest> {
  const host = `localhost:${port}`;
  const path = fc.constantFrom(...PATHS);
  const method = fc.constantFrom('GET', 'POST', 'DELETE');
  const form = 'application/x-www-form-urlencoded';
  return fc.oneof(
    fc
      .tuple(method, path, fc.constantFrom('a\x00b', '\x7f', 'a\rb', 'a\nb', '\x01\x02', '\xff\xfe'))
      .map(([m, p, bad]) =>
        raw(`invalid header byte ${JSON.stringify(bad)}`, `${head(m, p, host, [`X-Bad: ${bad}`])}\r\n\r\n`),
      ),
    fc
      .tuple(
        path,
        fc.constantFrom(
          'Bad Name: x',
          ': x',
          'X-Bad : x',
          'X\x00: y',
          'NoColon',
          ' X-Folded: a',
          '\tcontinued',
        ),
      )
      .map(([p, line]) =>
        raw(`malformed header line ${JSON.stringify(line)}`, `${head('GET', p, host, [line])}\r\n\r\n`),
      ),
    fc
      .tuple(path, fc.constantFrom('zz', '-1', 'ffffffffffffffffffff', '1;a="\r\nx', '', ' 5', '0x5', '5\n'))
      .map(([p, size]) =>
        raw(
          `bad chunk size ${JSON.stringify(size)}`,
          `${head('POST', p, host, [`Content-Type: ${form}`, 'Transfer-Encoding: chunked'])}\r\n\r\n${size}\r\nhello\r\n0\r\n\r\n`,
        ),
      ),
    fc
      .tuple(
        path,
        fc.constantFrom('5\r\nhelloXX\r\n0\r\n\r\n', '5\r\nhi\r\n0\r\n\r\n', '0\r\nX-Trailer: \x00\r\n\r\n'),
      )
      .map(([p, chunks]) =>
        raw(
          `broken chunk data ${JSON.stringify(chunks.slice(0, 12))}`,
          `${head('POST', p, host, [`Content-Type: ${form}`, 'Transfer-Encoding: chunked'])}\r\n\r\n${chunks}`,
        ),
      ),
    fc
      .tuple(
        path,
        fc.constantFrom(
          ['Content-Length: 5', 'Transfer-Encoding: chunked'],
          ['Content-Length: 5', 'Content-Length: 6'],
          ['Content-Length: -1'],
          ['Content-Length: abc'],
          ['Content-Length: 1e3'],
          ['Content-Length: 5, 5'],
          ['Content-Length: 99999999999999999999'],
          ['Transfer-Encoding: chunked, gzip'],
          ['Transfer-Encoding: gzip'],
          ['Transfer-Encoding: chunked', 'Transfer-Encoding: chunked'],
        ),
      )
      .map(([p, lines]) =>
        raw(
          `conflicting lengths ${lines.join(' / ')}`,
          `${head('POST', p, host, [`Content-Type: ${form}`, ...lines])}\r\n\r\nhello`,
        ),
      ),
    fc
      .constantFrom(
        `GET /oauth/token HTTP/2.0\r\nHost: ${host}\r\n\r\n`,
        `GET /oauth/token HTTP/1.1 extra\r\nHost: ${host}\r\n\r\n`,
        `GET  /  HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
        `GET http://evil.example/oauth/initiate HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
        `OPTIONS * HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
        `GET oauth/token HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
        `get /api/v1/me HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
        `${'G'.repeat(5000)} / HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
        `GET / HTTP/1.1\nHost: ${host}\nConnection: close\n\n`,
        `GET /api/v1/notes/\xff\xfe HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
        `GET /login?next=\x01 HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
        `GET /login?next=/%0D%0ASet-Cookie:x=1 HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
        `POST /oauth/initiate HTTP/1.1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
        `GET /api/v1/me HTTP/1.0\r\n\r\n`,
        `GET /healthz HTTP/1.1\r\nHost: ${host}\r\nHost: evil.example\r\nConnection: close\r\n\r\n`,
        `POST /oauth/token HTTP/1.1\r\nHost: ${host}\r\nAuthorization: OAuth a="1"\r\nAuthorization: OAuth b="2"\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
        `\r\n\r\nGET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
        `\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03`,
        `PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n`,
      )
      .map((text) => raw(`odd request line ${JSON.stringify(text.slice(0, 30))}`, text)),
    fc
      .tuple(path, fc.integer({ min: 8000, max: 15_000 }), fc.boolean())
      .map(([p, n, inUrl]) =>
        raw(
          `a ${n}-byte ${inUrl ? 'URL' : 'header'}`,
          `${head('GET', inUrl ? `${p}?q=${'a'.repeat(n)}` : p, host, inUrl ? [] : [`X-Long: ${'a'.repeat(n)}`])}\r\n\r\n`,
        ),
      ),
    fc
      .integer({ min: 17_000, max: 40_000 })
      .map((n) =>
        raw(
          `headers over Node's limit (${n} bytes)`,
          `${head('GET', '/api/v1/me', host, [`Authorization: OAuth x="${'a'.repeat(n)}"`])}\r\n\r\n`,
        ),
      ),
  );
}
