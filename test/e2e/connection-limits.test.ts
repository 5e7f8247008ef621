/**
 * A real `countersign serve` against clients that hold connections: an idle socket, headers sent a
 * byte at a time, a body that never ends, and more connections than the limit. Each is cut off by
 * its flag (small values here), and `/healthz` keeps answering meanwhile.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServerProcess, startServer } from '../support/processes.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'countersign-limits-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Long enough past a 1–2 s limit for it to fire; an open socket at the end means it never did. */
const GRACE_MS = 6000;

/** A raw connection, and what it received until it was closed (or the grace ran out). */
function open(url: string): { socket: Socket; ended: Promise<{ closed: boolean; received: string }> } {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname === 'localhost' ? '127.0.0.1' : hostname);
  let received = '';
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString();
  });
  socket.on('error', () => undefined);
  const ended = new Promise<{ closed: boolean; received: string }>((resolve) => {
    const timer = setTimeout(() => resolve({ closed: false, received }), GRACE_MS);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve({ closed: true, received });
    });
  });
  return { socket, ended };
}

/** Writes one byte of `text` every 300 ms, round and round, until the socket closes. */
function dribble(socket: Socket, text: string): void {
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed) return clearInterval(timer);
    socket.write(text[i++ % text.length] ?? 'a');
  }, 300);
  socket.once('close', () => clearInterval(timer));
}

async function healthy(url: string): Promise<number> {
  return (await fetch(`${url}/healthz`)).status;
}

describe('timeouts', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServer([
      '--db',
      join(dir, 'timeouts.db'),
      '--headers-timeout',
      '1',
      '--request-timeout',
      '2',
      '--keep-alive-timeout',
      '1',
    ]);
  });
  afterAll(() => server.stop());

  it('closes a socket that never sends anything', async () => {
    const { ended } = open(server.url);
    expect(await healthy(server.url)).toBe(200);
    expect((await ended).closed).toBe(true);
  });

  it('closes a kept-alive socket left idle after its answer', async () => {
    const { socket, ended } = open(server.url);
    socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
    const { closed, received } = await ended;
    expect(received).toMatch(/^HTTP\/1\.1 200/);
    expect(closed).toBe(true);
  });

  it('cuts off headers dribbled a byte every 300 ms (408, or closed)', async () => {
    const { socket, ended } = open(server.url);
    socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n');
    dribble(socket, 'X-Slow: aaaaaaaa\r\n');
    expect(await healthy(server.url)).toBe(200);
    const { closed, received } = await ended;
    expect(closed).toBe(true);
    expect(received === '' || /^HTTP\/1\.1 408/.test(received)).toBe(true);
  });

  it('cuts off a body that never ends (408, or closed)', async () => {
    const { socket, ended } = open(server.url);
    socket.write(
      'POST /oauth/initiate HTTP/1.1\r\nHost: localhost\r\n' +
        'Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n',
    );
    dribble(socket, 'a=b&');
    expect(await healthy(server.url)).toBe(200);
    const { closed, received } = await ended;
    expect(closed).toBe(true);
    expect(received === '' || /^HTTP\/1\.1 408/.test(received)).toBe(true);
  });
});

describe('the connection limit', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServer(['--db', join(dir, 'limit.db'), '--max-connections', '2']);
  });
  afterAll(() => server.stop());

  it('closes connections beyond the limit as they arrive, and serves again once under it', async () => {
    const held = [open(server.url), open(server.url)];
    for (const { socket } of held) socket.write('GET /healthz HTTP/1.1\r\n');
    // Time for the server to accept both before the third arrives.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const beyond = open(server.url);
    beyond.socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
    const { closed, received } = await beyond.ended;
    expect(closed).toBe(true);
    expect(received).toBe('');
    expect(held.map(({ socket }) => socket.destroyed)).toEqual([false, false]);
    for (const { socket } of held) socket.destroy();
    await Promise.all(held.map(({ ended }) => ended));
    expect(await healthy(server.url)).toBe(200);
  });
});
