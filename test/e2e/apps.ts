/**
 * The same small application served through each framework adapter: the two token endpoints and a
 * few protected resources. The end-to-end suites run against every one of them.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { expressAdapter } from '../../packages/countersign/src/http/express.js';
import { fastifyAdapter } from '../../packages/countersign/src/http/fastify.js';
import { fetchAdapter } from '../../packages/countersign/src/http/fetch.js';
import { nodeAdapter } from '../../packages/countersign/src/http/node.js';
import type { Provider } from '../../packages/countersign/src/provider/provider.js';
import type { VerifiedRequest, VerifyOptions } from '../../packages/countersign/src/provider/verify.js';

/** The protected resources every app serves, and the scope each needs. */
export const RESOURCES: Readonly<Record<string, string | undefined>> = {
  '/api/me': 'read_public',
  '/api/notes': 'read_private',
  '/api/echo': undefined,
  '/api/admin': 'admin',
  '/api/signed-body': undefined,
};

/** What each resource asks of `protect`: its scope, and a body hash for `/api/signed-body`. */
export function protectOptions(path: string): VerifyOptions {
  return { scope: RESOURCES[path], bodyHash: path === '/api/signed-body' ? 'required' : 'optional' };
}

/** What a resource answers: what the request proved, and the body it received. */
export function resourceBody(verified: VerifiedRequest, body: Uint8Array | string | undefined) {
  return JSON.stringify({
    consumer: verified.consumer.key,
    user: verified.user ?? null,
    twoLegged: verified.twoLegged,
    scopes: verified.scopes,
    parameters: verified.parameters.map((p) => [p.name, p.value]),
    body: body === undefined ? '' : Buffer.from(body).toString('utf8'),
  });
}

export interface RunningApp {
  readonly url: string;
  close(): Promise<void>;
}

export function listen(server: Server): Promise<RunningApp> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

function resourceFor(url: string | undefined): { known: boolean; options: VerifyOptions } {
  const path = (url ?? '/').split('?')[0] ?? '/';
  return { known: path in RESOURCES, options: protectOptions(path) };
}

function notFound(res: ServerResponse) {
  res.writeHead(404).end();
}

async function startNode(provider: Provider): Promise<RunningApp> {
  const oauth = nodeAdapter(provider);
  return listen(
    createServer((req, res) => {
      void (async () => {
        if (await oauth.handleEndpoint(req, res)) return;
        const { known, options } = resourceFor(req.url);
        if (!known) return notFound(res);
        const ok = await oauth.protect(req, res, options);
        if (ok)
          res.writeHead(200, { 'content-type': 'application/json' }).end(resourceBody(ok.verified, ok.body));
      })();
    }),
  );
}

async function startExpress(provider: Provider): Promise<RunningApp> {
  const oauth = expressAdapter(provider);
  const app = express();
  app.use(oauth.endpoints);
  for (const path of Object.keys(RESOURCES)) {
    app.all(path, oauth.protect(protectOptions(path)), (_req, res) => {
      res
        .type('application/json')
        .send(resourceBody(res.locals.oauth as VerifiedRequest, res.locals.rawBody as Uint8Array));
    });
  }
  return listen(createServer(app));
}

async function startFastify(provider: Provider): Promise<RunningApp> {
  const oauth = fastifyAdapter(provider);
  const app = Fastify();
  // Raw bodies for every type, so that the resources echo the exact bytes (the adapter leaves the
  // app's parsers alone; test/http/host-apps.test.ts runs it behind parsers of the app's own).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  await app.register(oauth.plugin);
  for (const path of Object.keys(RESOURCES)) {
    app.all(path, { preHandler: oauth.protect(protectOptions(path)) }, async (request, reply) => {
      const verified = request.oauth as VerifiedRequest;
      return reply.type('application/json').send(resourceBody(verified, request.body as Buffer | undefined));
    });
  }
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: async () => app.close() };
}

/** A minimal bridge from node:http to a fetch handler, standing in for Hono's node server. */
export function serveFetch(handler: (request: Request) => Promise<Response>): Server {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
      const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string') headers.set(name, value);
      }
      const request = new Request(`http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`, {
        method: req.method ?? 'GET',
        headers,
        ...(body && req.method !== 'GET' && req.method !== 'HEAD' ? { body } : {}),
      });
      const response = await handler(request);
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    })();
  });
}

async function startFetch(provider: Provider): Promise<RunningApp> {
  const oauth = fetchAdapter(provider);
  return listen(
    serveFetch(async (request) => {
      const endpoint = await oauth.handleEndpoint(request);
      if (endpoint) return endpoint;
      const { known, options } = resourceFor(new URL(request.url).pathname);
      if (!known) return new Response(null, { status: 404 });
      const result = await oauth.protect(request, options);
      if (result instanceof Response) return result;
      return new Response(resourceBody(result.verified, result.body), {
        headers: { 'content-type': 'application/json' },
      });
    }),
  );
}

/** Every adapter, by name. */
export const ADAPTERS: readonly { readonly name: string; start(provider: Provider): Promise<RunningApp> }[] =
  [
    { name: 'node:http', start: startNode },
    { name: 'express', start: startExpress },
    { name: 'fastify', start: startFastify },
    { name: 'fetch', start: startFetch },
  ];
