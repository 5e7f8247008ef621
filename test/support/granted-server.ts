/**
 * A listening reference server on a memory store with one user, `bob`, one consumer of his, and
 * an access token he granted it through the real three-legged flow: the start of every suite that
 * signs requests to the sample API from outside the process.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { OAuthClient } from '../../packages/countersign/src/client/oauth-client.js';
import { createProvider } from '../../packages/countersign/src/provider/provider.js';
import { buildServer } from '../../packages/server/src/server/app.js';
import { MemoryStore } from '../../packages/countersign/src/stores/memory-store.js';

export interface GrantedServer {
  readonly app: FastifyInstance;
  /** `http://127.0.0.1:PORT`. */
  readonly base: string;
  readonly consumer: { readonly key: string; readonly secret: string };
  /** Signs as the consumer. */
  readonly client: OAuthClient;
  readonly access: { readonly token: string; readonly secret: string };
}

/** Starts the server and runs the dance for `scopes`; close it with `app.close()`. */
export async function grantedServer(options: {
  readonly name: string;
  readonly scopes: readonly string[];
  readonly twoLegged?: boolean;
}): Promise<GrantedServer> {
  const store = new MemoryStore();
  const app = await buildServer({ store });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  await store.putUser({ name: 'bob', status: 'active', createdAt: 0 });
  const provider = createProvider({ store });
  const registered = await provider.registerConsumer({
    name: options.name,
    owner: 'bob',
    callback: 'oob',
    scopes: [...options.scopes],
    twoLegged: options.twoLegged ?? false,
  });
  const consumer = { key: registered.key, secret: registered.secret };
  const client = new OAuthClient({ consumerKey: consumer.key, consumerSecret: consumer.secret });
  const request = await client.initiate(`${base}/oauth/initiate`, 'oob', [...options.scopes]);
  const { verifier = '' } = await provider.decide(request.token, { user: 'bob', approve: true });
  const access = await client.exchange(`${base}/oauth/token`, request, verifier);
  return { app, base, consumer, client, access };
}
