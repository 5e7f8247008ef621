/**
 * A browser-like client for the pages through `inject`: it keeps cookies as a browser would (a
 * cleared cookie is dropped), sends `Accept: text/html`, and reads the CSRF token of the last page.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildServer, type ServerOptions } from '../../packages/server/src/server/app.js';
import { MemoryServerData } from '../../packages/server/src/data/memory-data.js';
import { putAccount } from '../support/accounts.js';
import { MemoryStore } from '../../packages/countersign/src/stores/memory-store.js';

/** The password of the account `serverWithUser` makes. */
export const USER_PASSWORD = 'a long pass phrase';

/** A server on a memory store with one active account, `name`, whose password is {@link USER_PASSWORD}. */
export async function serverWithUser(
  name: string,
  options: Omit<ServerOptions, 'store' | 'data'> = {},
): Promise<{ app: FastifyInstance; store: MemoryStore; data: MemoryServerData }> {
  const store = new MemoryStore();
  const data = new MemoryServerData();
  const app = await buildServer({ ...options, store, data });
  await putAccount({ store: store, data }, name, USER_PASSWORD);
  return { app, store, data };
}

export interface PostOptions {
  /** The raw body, instead of the form with the CSRF token added. */
  readonly payload?: string;
  /** The content type; `null` sends none. */
  readonly contentType?: string | null;
  readonly headers?: Record<string, string>;
  readonly remoteAddress?: string;
}

export class PageClient {
  readonly cookies = new Map<string, string>();
  csrf = '';

  constructor(public app: FastifyInstance) {}

  /** The cookies as a `cookie` header. */
  get cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  #keep(response: LightMyRequestResponse): LightMyRequestResponse {
    for (const c of response.cookies) {
      const expired = c.maxAge === 0 || (c.expires !== undefined && c.expires.getTime() <= Date.now());
      if (expired || c.value === '') this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    const csrf = /name="_csrf" value="([^"]+)"/.exec(response.body)?.[1];
    if (csrf) this.csrf = csrf;
    return response;
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const response = await this.app.inject({
      method: 'GET',
      url,
      headers: { accept: 'text/html', cookie: this.cookieHeader, ...headers },
    });
    return this.#keep(response);
  }

  /** Posts a form with the CSRF token of the last page (unless the form names `_csrf`). */
  async post(
    url: string,
    form: Record<string, string> | [string, string][] = {},
    options: PostOptions = {},
  ): Promise<LightMyRequestResponse> {
    const fields = new URLSearchParams(form);
    if (!fields.has('_csrf')) fields.set('_csrf', this.csrf);
    const type =
      options.contentType === undefined ? 'application/x-www-form-urlencoded' : options.contentType;
    const response = await this.app.inject({
      method: 'POST',
      url,
      ...(options.remoteAddress ? { remoteAddress: options.remoteAddress } : {}),
      headers: {
        accept: 'text/html',
        cookie: this.cookieHeader,
        ...(type === null ? {} : { 'content-type': type }),
        ...options.headers,
      },
      payload: options.payload ?? fields.toString(),
    });
    return this.#keep(response);
  }

  /** Signs in (or up) through the form; returns the answer. */
  async signIn(name: string, password: string, kind: 'login' | 'signup' = 'login') {
    await this.get(`/${kind}`);
    return this.post(`/${kind}`, { name, password });
  }
}
