/**
 * Reading a pasted request for the signature doctor: HTTP text and curl commands (as browsers and
 * API tools copy them) into the request the engine reads, and a one-line reason for anything else.
 */
import { describe, expect, it } from 'vitest';
import { parsePastedRequest } from '../../packages/server/src/server/pasted-request.js';
import { shellWords } from '../../packages/server/src/server/shell-words.js';

const read = (text: string, secure = false) => {
  const pasted = parsePastedRequest(text, secure);
  if ('error' in pasted) throw new Error(pasted.error);
  return pasted.request;
};

const refusal = (text: string) => {
  const pasted = parsePastedRequest(text, false);
  return 'error' in pasted ? pasted.error : 'read';
};

describe('shellWords', () => {
  it('splits as a POSIX shell does', () => {
    expect(shellWords(`curl -H 'A: b c' "d \\"e\\" \\$f" g\\ h \\\n  $'i\\x41\\n' ''`)).toEqual([
      'curl',
      '-H',
      'A: b c',
      'd "e" $f',
      'g h',
      'iA\n',
      '',
    ]);
  });

  it('refuses what it cannot read faithfully', () => {
    expect(shellWords(`curl 'open`)).toMatch(/quote that is not closed/);
    expect(shellWords('curl "$URL"')).toMatch(/variable or command substitution/);
    expect(shellWords('curl `x`')).toMatch(/variable or command substitution/);
    expect(shellWords('curl http://a.example/?a=1&b=2')).toMatch(/goes on past curl/);
    expect(shellWords('curl x | sh')).toMatch(/goes on past curl/);
  });
});

describe('HTTP text', () => {
  it('reads the request line, headers (repeated and folded) and the body', () => {
    const request = read(
      'POST /oauth/initiate?x=1 HTTP/1.1\r\nHost: localhost:3000\r\nAuthorization: OAuth a="1",\r\n  b="2"\r\n' +
        'Content-Type: application/x-www-form-urlencoded\r\nX-Twice: 1\r\nX-Twice: 2\r\n\r\nc=3&d=4\r\n',
    );
    expect(request).toEqual({
      method: 'POST',
      target: '/oauth/initiate?x=1',
      headers: {
        host: 'localhost:3000',
        authorization: 'OAuth a="1", b="2"',
        'content-type': 'application/x-www-form-urlencoded',
        'x-twice': ['1', '2'],
      },
      secure: false,
      body: 'c=3&d=4',
    });
  });

  it('takes the scheme from an absolute target, else the console’s own', () => {
    expect(read('GET https://api.example/x HTTP/1.1\n\n').secure).toBe(true);
    expect(read('GET /x HTTP/1.1\nHost: a\n', true).secure).toBe(true);
    expect(read('get /x\nHost: a').method).toBe('GET');
  });

  it('refuses what is not a request', () => {
    expect(refusal('hello there')).toMatch(/not a request line/);
    expect(refusal('GET x HTTP/1.1\nHost: a')).toMatch(/not a request line/);
    expect(refusal('GET /x HTTP/1.1\nnot a header')).toMatch(/not a header line/);
    expect(refusal(`GET /x HTTP/1.1\n${'A: b\n'.repeat(101)}`)).toMatch(/more than 100 header lines/);
  });
});

describe('curl commands', () => {
  it('reads -X, -H, -d (joined with &), --data-urlencode and the URL; sets Host and the form type', () => {
    const request = read(
      `curl -s -X POST 'http://localhost:3000/oauth/initiate?x=1' -H 'Authorization: OAuth oauth_nonce="n"' ` +
        `-d a=1 --data-raw 'b=2' --data-urlencode 'c=d e' --data-urlencode '=f/g' --compressed -A agent`,
    );
    expect(request).toEqual({
      method: 'POST',
      target: '/oauth/initiate?x=1',
      headers: {
        authorization: 'OAuth oauth_nonce="n"',
        host: 'localhost:3000',
        'content-type': 'application/x-www-form-urlencoded',
      },
      secure: false,
      body: 'a=1&b=2&c=d%20e&f%2Fg',
    });
  });

  it('is a GET without data, a POST with it, and -G puts the data in the query', () => {
    expect(read('curl https://api.example/me')).toMatchObject({ method: 'GET', target: '/me', secure: true });
    expect(read('curl https://api.example -d a=1')).toMatchObject({
      method: 'POST',
      target: '/',
      body: 'a=1',
    });
    const get = read('curl -G https://api.example/notes?x=1 -d a=1 -d b=2');
    expect(get).toMatchObject({ method: 'GET', target: '/notes?x=1&a=1&b=2' });
    expect(get.body).toBeUndefined();
    expect(read(`curl -XDELETE -H'Host: other.example' https://api.example/notes/1`)).toMatchObject({
      method: 'DELETE',
      headers: { host: 'other.example' },
    });
  });

  it('refuses what it cannot know', () => {
    expect(refusal('curl -d @body.txt https://api.example/')).toMatch(/reads a file/);
    expect(refusal('curl -u me:pw https://api.example/')).toMatch(/-u is not one the doctor reads/);
    expect(refusal('curl --oauth2-bearer t https://api.example/')).toMatch(/--oauth2-bearer/);
    expect(refusal('curl -X')).toMatch(/needs a value/);
    expect(refusal('curl -s')).toMatch(/no URL/);
    expect(refusal('curl ftp://api.example/')).toMatch(/http and https/);
    expect(refusal('curl a b')).toMatch(/two URLs/);
  });
});
