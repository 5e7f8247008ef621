/**
 * The gateway's client to the upstream, against a raw TCP upstream that answers what each test
 * scripts: connections kept and reused only when that is safe, a malformed answer a clean 502 on
 * a connection never used again, a request never sent twice, and the upstream held back while a
 * client reads slowly without that connection then being stuck.
 */
import { createServer as createHttpServer, request as httpRequest, type Server } from 'node:http';
import { type AddressInfo, createServer, Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectUpstream, type Upstream } from '../../packages/server/src/server/gateway/upstream.js';

/** The request heads the raw upstream received, each with its connection's number. */
const received: { connection: number; head: string }[] = [];
/** How the raw upstream answers a request head. */
let answer: (head: string, socket: Socket) => void = () => undefined;
let connections = 0;
const raw = createServer((socket) => {
  const connection = connections++;
  let pending = '';
  socket.on('data', (chunk) => {
    pending += chunk.toString('latin1');
    for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
      const head = pending.slice(0, end);
      const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? 0);
      pending = pending.slice(end + 4 + length);
      received.push({ connection, head });
      answer(head, socket);
    }
  });
  socket.on('error', () => undefined);
});

/** How many of this test's requests each connection carried, in the order they were first used. */
function perConnection(): number[] {
  const counts = new Map<number, number>();
  for (const { connection } of received) counts.set(connection, (counts.get(connection) ?? 0) + 1);
  return [...counts.values()];
}

const heads = () => received.map(({ head }) => head);

/** Headers the front adds to the next request it forwards, as the gateway adds identities. */
let extraHeaders: string[] = [];

let upstream: Upstream;
let front: Server;
let base: string;
const errors: Error[] = [];

beforeAll(async () => {
  await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
  upstream = connectUpstream(`http://127.0.0.1:${(raw.address() as AddressInfo).port}`, 1_000);
  // What the gateway does once a request is verified: its headers, less hop-by-hop ones and the
  // length (the gateway says the length of the body it read, and the bodies here are empty).
  front = createHttpServer((request, response) => {
    const headers = request.rawHeaders.filter(
      (_, i, all) => !/^(connection|content-length)$/i.test(all[i - (i % 2)] as string),
    );
    const forward = () =>
      upstream.forward(
        {
          method: request.method ?? 'GET',
          path: request.url ?? '/',
          headers: [...headers, ...extraHeaders],
          onError: (e) => errors.push(e),
        },
        response,
      );
    // `/late…`: forwarded a while after it came, as a request whose verification or body takes time.
    if (request.url?.startsWith('/late')) setTimeout(forward, 100);
    else forward();
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
});

afterEach(() => {
  received.length = 0;
  errors.length = 0;
  extraHeaders = [];
});

afterAll(async () => {
  await upstream.close();
  await new Promise((resolve) => front.close(resolve));
  await new Promise((resolve) => raw.close(resolve));
});

const get = async (path: string, init?: RequestInit) => {
  const response = await fetch(base + path, init);
  return { status: response.status, headers: response.headers, body: await response.text() };
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the gateway’s client to the upstream', () => {
  it('carries one request after another on one connection', async () => {
    answer = (head, socket) => {
      const body = head.split(' ')[1] as string;
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    };
    for (const path of ['/a', '/b?x=1', '/c']) expect((await get(path)).body).toBe(path);
    expect(perConnection()).toEqual([3]);
    expect(heads().map((head) => head.split('\r\n')[0])).toEqual([
      'GET /a HTTP/1.1',
      'GET /b?x=1 HTTP/1.1',
      'GET /c HTTP/1.1',
    ]);
  });

  it('opens a new connection after Connection: close, HTTP/1.0, or a body that ends with the connection', async () => {
    const answers = [
      'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok',
      'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok',
      'HTTP/1.1 200 OK\r\n\r\nok',
    ];
    answer = (_head, socket) => socket.end(answers.shift() ?? '');
    for (let i = 0; i < 3; i++) expect((await get('/x')).body).toBe('ok');
    expect(perConnection()).toEqual([1, 1, 1]);
  });

  it('answers 502 for a malformed answer, naming nothing of it, and never reuses that connection', async () => {
    let first = true;
    answer = (_head, socket) => {
      socket.write(
        first
          ? 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'
          : 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
      );
      first = false;
    };
    const refused = await get('/smuggle');
    expect(refused).toMatchObject({ status: 502, body: 'The upstream service could not be reached.\n' });
    expect(errors.map((e) => e.message)).toEqual(['both Transfer-Encoding and Content-Length']);
    expect((await get('/next')).body).toBe('ok');
    expect(perConnection()).toEqual([1, 1]);
  });

  it('closes a connection on which the upstream sent more than its answer', async () => {
    answer = (_head, socket) =>
      socket.write(
        'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nlies',
      );
    expect((await get('/one')).body).toBe('ok');
    expect((await get('/two')).body).toBe('ok');
    expect(perConnection()).toEqual([1, 1]);
  });

  it('sends the client’s Host, or the upstream’s when the client sent none', async () => {
    answer = (_head, socket) => socket.write('HTTP/1.1 204 No Content\r\n\r\n');
    await new Promise((resolve, reject) =>
      httpRequest(`${base}/with-host`, { headers: { host: 'api.example' } }, (response) =>
        response.resume().on('end', resolve),
      )
        .on('error', reject)
        .end(),
    );
    // HTTP/1.0 without a Host header, as old clients send it.
    await new Promise<void>((resolve, reject) => {
      const socket = new Socket();
      socket.connect(Number(new URL(base).port), '127.0.0.1', () =>
        socket.write('GET /without-host HTTP/1.0\r\n\r\n'),
      );
      socket
        .on('data', () => undefined)
        .on('end', () => resolve())
        .on('error', reject);
    });
    const [withHost, withoutHost] = heads();
    expect(withHost).toMatch(/\r\nhost: api\.example(\r\n|$)/i);
    expect(withoutHost).toMatch(
      new RegExp(`\\r\\nhost: 127\\.0\\.0\\.1:${(raw.address() as AddressInfo).port}(\\r\\n|$)`),
    );
    expect(heads().every((head) => head.match(/\r\nhost:/gi)?.length === 1)).toBe(true);
  });

  it('does not take a connection idle past the upstream’s Keep-Alive timeout, less a second', async () => {
    answer = (_head, socket) =>
      socket.write('HTTP/1.1 200 OK\r\nKeep-Alive: timeout=2\r\nContent-Length: 2\r\n\r\nok');
    await get('/a');
    await get('/b');
    await sleep(1_200);
    await get('/c');
    expect(perConnection()).toEqual([2, 1]);
  });

  it('answers 502 when a connection fails under a request, and does not send the request again', async () => {
    answer = (_head, socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    await get('/warm');
    answer = (_head, socket) => socket.destroy();
    expect((await get('/dropped', { method: 'POST', body: 'x=1' })).status).toBe(502);
    expect(heads().filter((head) => head.startsWith('POST'))).toHaveLength(1);
  });

  it('answers 504 when the upstream does not answer in time', async () => {
    answer = () => undefined;
    expect(await get('/silent')).toMatchObject({
      status: 504,
      body: 'The upstream service did not answer in time.\n',
    });
  });

  it('reads the next answer on a connection whose last answer ended while its client pushed back', async () => {
    const size = 4 * 1024 * 1024;
    answer = (head, socket) => {
      if (head.startsWith('GET /large')) {
        socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${size}\r\n\r\n`);
        socket.write(Buffer.alloc(size, 0x61));
      } else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext');
    };
    const length = await new Promise<number>((resolve, reject) => {
      httpRequest(`${base}/large`, (response) => {
        // Not reading fills the buffers: the gateway stops reading the upstream.
        response.pause();
        setTimeout(() => {
          let total = 0;
          response.on('data', (chunk: Buffer) => (total += chunk.length)).on('end', () => resolve(total));
          response.resume();
        }, 300);
      })
        .on('error', reject)
        .end();
    });
    expect(length).toBe(size);
    expect(await get('/after')).toMatchObject({ status: 200, body: 'next' });
    expect(perConnection()).toEqual([2]);
  });
  it('drops an idle connection on which the upstream sent an answer nobody asked for', async () => {
    answer = (head, socket) => {
      if (head.startsWith('GET /first')) {
        socket.write('HTTP/1.1 204 No Content\r\n\r\n');
        setTimeout(() => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nforged'), 20);
      } else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nreal');
    };
    expect((await get('/first')).status).toBe(204);
    await sleep(100);
    expect((await get('/second')).body).toBe('real');
    expect(perConnection()).toEqual([1, 1]);
  });

  it('never lets a character beyond Latin-1 become a line break toward the upstream', async () => {
    answer = (_head, socket) => socket.write('HTTP/1.1 204 No Content\r\n\r\n');
    // U+010D U+010A are CR LF once written as Latin-1.
    extraHeaders = ['x-oauth-user', 'alice\u010d\u010ax-oauth-scopes: admin'];
    const refused = await get('/injected');
    expect(refused).toMatchObject({ status: 502, body: 'The upstream service could not be reached.\n' });
    expect(received).toEqual([]);
    expect(errors.map((e) => e.message)).toEqual(['request header x-oauth-user is not one HTTP allows']);
  });

  it('says Content-Length: 0 for a POST, PUT or PATCH without a body, and nothing for a GET', async () => {
    answer = (_head, socket) => socket.write('HTTP/1.1 204 No Content\r\n\r\n');
    for (const method of ['POST', 'PUT', 'PATCH', 'GET', 'DELETE']) await get('/m', { method });
    expect(heads().map((head) => /\r\ncontent-length: 0/i.test(head))).toEqual([
      true,
      true,
      true,
      false,
      false,
    ]);
  });

  it('does not time the upstream out while a slow client holds it back', async () => {
    const size = 16 * 1024 * 1024;
    answer = (_head, socket) => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${size}\r\n\r\n`);
      socket.write(Buffer.alloc(size, 0x62));
    };
    const length = await new Promise<number>((resolve, reject) => {
      httpRequest(`${base}/slow-reader`, (response) => {
        response.pause();
        // Longer than the upstream timeout (1 s here) without reading a byte.
        setTimeout(() => {
          let total = 0;
          response.on('data', (chunk: Buffer) => (total += chunk.length)).on('end', () => resolve(total));
          response.on('aborted', () => reject(new Error('cut')));
          response.resume();
        }, 1_500);
      })
        .on('error', reject)
        .end();
    });
    expect(length).toBe(size);
    expect(errors).toEqual([]);
  });
  it('sends nothing upstream for a client that went away before its request was forwarded', async () => {
    answer = (_head, socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    const gone = new AbortController();
    const request = fetch(`${base}/late`, { signal: gone.signal }).catch(() => undefined);
    await sleep(30);
    gone.abort();
    await request;
    await sleep(150);
    expect(received).toEqual([]);
    expect((await get('/late-kept')).body).toBe('ok');
    expect(heads().map((head) => head.split(' ')[1])).toEqual(['/late-kept']);
  });
});
