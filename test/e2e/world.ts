/**
 * A provider with known users and consumers, a clock the tests can move, and helpers to sign and
 * send requests to an app serving it.
 */
import { signRequest, type SignRequestOptions } from '../../packages/countersign/src/client/sign-request.js';
import { parseFormEncoded } from '../../packages/countersign/src/core/parameters.js';
import type { Consumer } from '../../packages/countersign/src/provider/model.js';
import { createProvider, type Provider } from '../../packages/countersign/src/provider/provider.js';
import { MemoryStore } from '../../packages/countersign/src/stores/memory-store.js';

export const SCOPES = ['read_public', 'read_private', 'write_private'];
export const CALLBACK = 'http://client.example/cb';

export interface World {
  readonly provider: Provider;
  readonly store: MemoryStore;
  /** Moves the provider's clock forward. */
  advance(seconds: number): void;
  /** Now, in whole seconds, by the provider's clock. */
  seconds(): number;
  readonly consumer: Consumer;
  readonly threeLeggedOnly: Consumer;
  readonly suspended: Consumer;
  readonly disabled: Consumer;
}

export async function createWorld(): Promise<World> {
  let offset = 0;
  const store = new MemoryStore();
  const provider = createProvider({
    store,
    clock: () => Date.now() + offset,
    signatureMethods: ['HMAC-SHA1', 'HMAC-SHA256', 'PLAINTEXT'],
    onError: (error) => {
      throw error;
    },
  });
  await store.putUser({ name: 'bob', status: 'active', createdAt: 0 });
  await store.putUser({ name: 'carol', status: 'active', createdAt: 0 });
  const register = (overrides: { twoLegged?: boolean; name: string }) =>
    provider.registerConsumer({
      owner: 'alice',
      callback: CALLBACK,
      scopes: SCOPES,
      signatureMethods: ['HMAC-SHA1', 'HMAC-SHA256', 'PLAINTEXT'],
      twoLegged: true,
      ...overrides,
    });
  const consumer = await register({ name: 'Main' });
  const threeLeggedOnly = await register({ name: 'Three-legged only', twoLegged: false });
  const suspended = await register({ name: 'Suspended' });
  const disabled = await register({ name: 'Disabled' });
  await store.putConsumer({ ...suspended, status: 'suspended' });
  await store.putConsumer({ ...disabled, status: 'disabled' });
  return {
    provider,
    store,
    advance: (seconds) => {
      offset += seconds * 1000;
    },
    seconds: () => Math.floor((Date.now() + offset) / 1000),
    consumer,
    threeLeggedOnly,
    suspended,
    disabled,
  };
}

export interface SendOptions extends Partial<SignRequestOptions> {
  readonly consumer?: Consumer;
  readonly path: string;
  readonly accept?: string | undefined;
  /** Extra headers, sent as they are. */
  readonly headers?: Record<string, string>;
  /** Put the protocol parameters in the query instead of the header. */
  readonly inQuery?: boolean;
  /** A raw body with its content type, instead of `form`. */
  readonly rawBody?: { readonly type: string; readonly text: string };
}

/** Signs a request with Countersign's own client and sends it to `base`. */
export async function send(world: World, base: string, options: SendOptions): Promise<Response> {
  const consumer = options.consumer ?? world.consumer;
  const method = options.method ?? 'POST';
  const signed = signRequest({
    consumerKey: consumer.key,
    consumerSecret: consumer.secret,
    timestamp: String(world.seconds()),
    ...options,
    method,
    url: base + options.path,
    ...(options.rawBody ? { body: options.rawBody.text } : {}),
  });
  const headers: Record<string, string> = { ...(options.accept ? { accept: options.accept } : {}) };
  let url = base + options.path;
  if (options.inQuery) {
    const query = new URLSearchParams(signed.oauthParameters).toString();
    url += (url.includes('?') ? '&' : '?') + query;
  } else {
    headers.authorization = signed.authorization;
  }
  let body: string | undefined;
  if (options.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(options.form.map(([k, v]): [string, string] => [k, v])).toString();
  } else if (options.rawBody) {
    headers['content-type'] = options.rawBody.type;
    body = options.rawBody.text;
  }
  return fetch(url, {
    method,
    headers: { ...headers, ...options.headers },
    ...(body === undefined ? {} : { body }),
  });
}

/** The decoded pairs of a form-encoded response body. */
export async function formOf(response: Response): Promise<Record<string, string>> {
  return Object.fromEntries(parseFormEncoded(await response.text(), 'body').map((p) => [p.name, p.value]));
}

/** Runs initiate; returns the request token and secret. */
export async function initiate(world: World, base: string, options: Partial<SendOptions> = {}) {
  const response = await send(world, base, {
    path: '/oauth/initiate',
    extra: { oauth_callback: CALLBACK },
    ...options,
  });
  if (response.status !== 200)
    throw new Error(`initiate failed: ${response.status} ${await response.text()}`);
  const form = await formOf(response);
  return { token: form.oauth_token ?? '', secret: form.oauth_token_secret ?? '' };
}

/** Sends the token request for `request` with `verifier`. */
export function exchange(
  world: World,
  base: string,
  request: { token: string; secret: string },
  verifier: string,
  accept?: string,
): Promise<Response> {
  return send(world, base, {
    path: '/oauth/token',
    token: request.token,
    tokenSecret: request.secret,
    extra: { oauth_verifier: verifier },
    accept,
  });
}

/** Runs the whole three-legged flow with `scopes` granted; returns the access token and secret. */
export async function accessToken(world: World, base: string, scopes?: string[], consumer?: Consumer) {
  const request = await initiate(world, base, consumer ? { consumer } : {});
  const { verifier = '' } = await world.provider.decide(request.token, {
    user: 'bob',
    approve: true,
    scopes,
  });
  const response = await send(world, base, {
    path: '/oauth/token',
    ...(consumer ? { consumer } : {}),
    token: request.token,
    tokenSecret: request.secret,
    extra: { oauth_verifier: verifier },
  });
  if (response.status !== 200) throw new Error(`token failed: ${response.status} ${await response.text()}`);
  const form = await formOf(response);
  return { token: form.oauth_token ?? '', secret: form.oauth_token_secret ?? '' };
}
