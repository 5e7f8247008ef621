/**
 * The adapters' body limit: a body over it is refused with 413, whether its Content-Length says so
 * or it comes chunked without one, and a chunked one is not read to its end first.
 */
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { fetchAdapter } from '../../packages/countersign/src/http/fetch.js';
import { nodeAdapter } from '../../packages/countersign/src/http/node.js';
import { createProvider } from '../../packages/countersign/src/provider/provider.js';
import { MemoryStore } from '../../packages/countersign/src/stores/memory-store.js';

const LIMIT = 64 * 1024;
const CHUNK = new Uint8Array(16 * 1024).fill(0x61);
const provider = createProvider({ store: new MemoryStore() });

/** A body that never ends, counting the chunks it was asked for. */
function endless() {
  const counted = { pulls: 0 };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      counted.pulls++;
      controller.enqueue(CHUNK);
    },
  });
  return { stream, counted };
}

describe('the fetch adapter', () => {
  const oauth = fetchAdapter(provider, { bodyLimit: LIMIT });
  const post = (body: ReadableStream<Uint8Array> | string, headers: Record<string, string> = {}) =>
    new Request('http://api.test/api/v1/notes', {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      duplex: 'half',
    });

  it('refuses a chunked body as soon as it passes the limit, without reading the rest', async () => {
    const { stream, counted } = endless();
    const answer = await oauth.protect(post(stream));
    expect(answer).toBeInstanceOf(Response);
    expect((answer as Response).status).toBe(413);
    expect(counted.pulls).toBeLessThanOrEqual(LIMIT / CHUNK.length + 3);
    const endpoint = await oauth.handleEndpoint(
      new Request('http://api.test/oauth/initiate', {
        method: 'POST',
        body: endless().stream,
        duplex: 'half',
      }),
    );
    expect(endpoint?.status).toBe(413);
  });

  it('refuses a declared length over the limit, and takes a body within it to the checks', async () => {
    const declared = await oauth.protect(post('a=1', { 'content-length': String(LIMIT + 1) }));
    expect((declared as Response).status).toBe(413);
    const within = await oauth.protect(post(`text=${'a'.repeat(LIMIT - 5)}`));
    // Unsigned: refused by the checks, not by the limit.
    expect((within as Response).status).toBe(400);
    expect((within as Response).headers.get('www-authenticate')).toContain('parameter_absent');
  });
});

describe('the node:http adapter', () => {
  it('refuses a chunked body over the limit, and a declared one', async () => {
    const oauth = nodeAdapter(provider, { bodyLimit: LIMIT });
    const server = createServer((req, res) => {
      void oauth.protect(req, res).then((ok) => ok && res.end('ok'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const send = (headers: Record<string, string>, bytes: number) =>
      new Promise<number>((resolve, reject) => {
        const req = httpRequest(
          { host: '127.0.0.1', port, method: 'POST', path: '/api/v1/notes', headers },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        // The server may answer and close before all is sent.
        req.on('error', (error: NodeJS.ErrnoException) =>
          error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error),
        );
        for (let sent = 0; sent < bytes; sent += CHUNK.length) req.write(CHUNK);
        req.end();
      });
    try {
      expect(await send({ 'content-type': 'application/x-www-form-urlencoded' }, LIMIT * 4)).toBe(413);
      expect(await send({ 'content-length': String(LIMIT + 1) }, 0)).toBe(413);
    } finally {
      server.close();
    }
  });
});
