/**
 * The reference server behind proxies: the client address it rate-limits and logs by is the one
 * the trusted hops recorded, counted from the right of `X-Forwarded-For`, never the leftmost entry
 * a client wrote itself; and with a list of proxies, nothing forwarded is believed from any other peer.
 */
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildServer, type ServerOptions } from '../../packages/server/src/server/app.js';
import { MemoryStore } from '../../packages/countersign/src/stores/memory-store.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** A server whose log lines are collected, and a route answering the address it saw. */
async function start(trustProxy: ServerOptions['trustProxy']) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n'))
        if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  app = await buildServer({ store: new MemoryStore(), trustProxy, log: { level: 'info', stream } });
  app.get('/test/ip', (request) => ({ ip: request.ip }));
  return { app, lines };
}

async function ipSeen(server: FastifyInstance, forwardedFor: string, remoteAddress = '127.0.0.1') {
  const answer = await server.inject({
    method: 'GET',
    url: '/test/ip',
    remoteAddress,
    headers: { 'x-forwarded-for': forwardedFor },
  });
  return answer.json<{ ip: string }>().ip;
}

describe('the client address behind trusted proxies', () => {
  it('with one hop (--trust-proxy), is the entry the proxy appended, not a spoofed leftmost one', async () => {
    const { app: server, lines } = await start(true);
    expect(await ipSeen(server, '6.6.6.6, 203.0.113.7')).toBe('203.0.113.7');
    const logged = lines.filter((line) => line.url === '/test/ip').map((line) => line.ip);
    expect(logged).toEqual(['203.0.113.7']);
  });

  it('with two hops, is the second entry from the right', async () => {
    const { app: server } = await start(2);
    expect(await ipSeen(server, '6.6.6.6, 198.51.100.9, 10.0.0.2')).toBe('198.51.100.9');
  });

  it('with a list of proxies, skips the trusted ones from the right and stops at the first other', async () => {
    const { app: server } = await start('127.0.0.1, 10.0.0.0/8');
    expect(await ipSeen(server, '6.6.6.6, 198.51.100.9, 10.0.0.2')).toBe('198.51.100.9');
  });

  it('with a list of proxies, believes nothing forwarded from a peer not in it', async () => {
    const { app: server } = await start('10.0.0.0/8');
    expect(await ipSeen(server, '203.0.113.7', '192.0.2.50')).toBe('192.0.2.50');
  });

  it('a client rotating spoofed X-Forwarded-For values is still rate-limited at sign-in', async () => {
    const { app: server } = await start(true);
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const answer = await server.inject({
        method: 'POST',
        url: '/login',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-forwarded-for': `6.6.${i}.${i}, 203.0.113.7`,
        },
        payload: `name=user${i}&password=wrong`,
      });
      statuses.push(answer.statusCode);
    }
    expect(statuses).toContain(429);
  });

  it('refuses a setting it cannot read, at start', async () => {
    await expect(buildServer({ store: new MemoryStore(), trustProxy: '10.0.0.0/99' })).rejects.toThrow(
      TypeError,
    );
  });
});
