/**
 * An OAuth 1.0a client: a `fetch` that signs (protocol parameters in the header, the query or the
 * body), and the three-legged dance — initiate, authorization URL, exchange — with problems thrown
 * as `ProblemResponseError`.
 */
import type { KeyObject } from 'node:crypto';
import { CountersignError } from '../core/countersign-error.js';
import { parseFormEncoded } from '../core/parameters.js';
import type { SignatureMethodName } from '../core/signature-methods.js';
import { readProblem } from './problem-response.js';
import { type SignedRequest, signRequest } from './sign-request.js';

/** Where the protocol parameters go (RFC 5849 §3.5). */
export type Placement = 'header' | 'query' | 'body';

/** The consumer's credentials, and how its requests are signed and sent. */
export interface ClientOptions {
  /** The consumer key the provider issued. */
  readonly consumerKey: string;
  /** The consumer secret the provider issued (unused by the RSA methods). */
  readonly consumerSecret: string;
  /**
   * The signature method requests are signed with.
   *
   * @defaultValue `'HMAC-SHA1'`
   */
  readonly signatureMethod?: SignatureMethodName | undefined;
  /**
   * The private key, for RSA-SHA1 / RSA-SHA256: PEM, or a KeyObject.
   *
   * @defaultValue `undefined`: needed by the RSA methods only
   */
  readonly privateKey?: KeyObject | string | undefined;
  /**
   * Where the protocol parameters go: the `Authorization` header, the query, or a form body.
   *
   * @defaultValue `'header'`
   */
  readonly placement?: Placement | undefined;
  /**
   * The `realm` of the `Authorization` header.
   *
   * @defaultValue `undefined`: no realm is sent
   */
  readonly realm?: string | undefined;
  /**
   * How long to wait for each answer to begin, in milliseconds (30,000 unless given).
   *
   * @defaultValue `30000`
   */
  readonly timeout?: number | undefined;
}

const DEFAULT_TIMEOUT = 30_000;

/** A provider that did not answer in time, or answered without the credentials asked for. */
export class ProviderAnswerError extends CountersignError<'provider_answer'> {
  override readonly name = 'ProviderAnswerError';
  constructor(message: string, options?: ErrorOptions) {
    super('provider_answer', message, options);
  }
}

/** Token credentials (or temporary ones). */
export interface Credentials {
  readonly token: string;
  readonly secret: string;
}

export interface SignedFetchInit {
  readonly method?: string;
  readonly token?: Credentials | undefined;
  /** Form parameters, sent as `application/x-www-form-urlencoded` and signed. */
  readonly form?: readonly (readonly [string, string])[] | undefined;
  /** Any other body, covered by `oauth_body_hash`. */
  readonly body?: { readonly type: string; readonly data: string | Uint8Array } | undefined;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** Extra protocol parameters (`oauth_callback`, `oauth_verifier`). */
  readonly oauth?: Readonly<Record<string, string>> | undefined;
}

const encodeForm = (pairs: readonly (readonly [string, string])[]) =>
  pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');

/**
 * @example
 * ```ts
 * const client = new OAuthClient({ consumerKey, consumerSecret });
 * const request = await client.initiate('http://localhost:3000/oauth/initiate', 'oob');
 * console.log(client.authorizationUrl('http://localhost:3000/oauth/authorize', request));
 * const access = await client.exchange('http://localhost:3000/oauth/token', request, pin);
 * const me = await client.fetch('http://localhost:3000/api/v1/me', { token: access });
 * ```
 */
export class OAuthClient {
  constructor(readonly options: ClientOptions) {
    // A caller without types may leave them out; every request would be refused for it later.
    // (The secret may be empty: a client that signs with RSA has none.)
    if (typeof options.consumerKey !== 'string' || options.consumerKey === '')
      throw new TypeError("consumerKey is required: the client's key from the provider");
    if (typeof options.consumerSecret !== 'string')
      throw new TypeError("consumerSecret is required: the client's secret from the provider");
  }

  /** Signs a request without sending it. */
  sign(url: string, init: SignedFetchInit = {}): SignedRequest {
    return signRequest({
      method: init.method ?? (init.form || init.body ? 'POST' : 'GET'),
      url,
      consumerKey: this.options.consumerKey,
      consumerSecret: this.options.consumerSecret,
      token: init.token?.token,
      tokenSecret: init.token?.secret,
      signatureMethod: this.options.signatureMethod ?? 'HMAC-SHA1',
      privateKey: this.options.privateKey,
      realm: this.options.realm,
      ...(init.form ? { form: init.form } : {}),
      ...(init.body ? { body: init.body.data } : {}),
      ...(init.oauth ? { extra: init.oauth } : {}),
    });
  }

  /** Signs and sends a request; returns the response as it is (see `readProblem`). */
  async fetch(url: string, init: SignedFetchInit = {}): Promise<Response> {
    return (await this.send(url, init)).response;
  }

  /** Signs and sends a request; returns the response and what was signed, for debugging. */
  async send(
    url: string,
    init: SignedFetchInit = {},
  ): Promise<{ response: Response; signed: SignedRequest }> {
    const method = init.method ?? (init.form || init.body ? 'POST' : 'GET');
    const signed = this.sign(url, { ...init, method });
    const placement = this.options.placement ?? 'header';
    const headers: Record<string, string> = { ...init.headers };
    let target = url;
    let form = init.form ? [...init.form] : undefined;
    // A form body can carry them only on a method with a body, and only when the body is a form.
    const inBody = placement === 'body' && method !== 'GET' && method !== 'HEAD' && !init.body;
    if (placement === 'header') headers.authorization = signed.authorization;
    else if (inBody) form = [...(form ?? []), ...signed.oauthParameters];
    else target += (url.includes('?') ? '&' : '?') + encodeForm(signed.oauthParameters);
    let body: string | Uint8Array | undefined;
    if (form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = encodeForm(form);
    } else if (init.body) {
      headers['content-type'] = init.body.type;
      body = init.body.data;
    }
    // The timeout covers waiting for the answer to begin, not reading a long body afterwards.
    const timeout = this.options.timeout ?? DEFAULT_TIMEOUT;
    const waiting = new AbortController();
    const timer = setTimeout(() => waiting.abort(), timeout);
    let response: Response;
    try {
      response = await fetch(target, {
        method,
        headers,
        signal: waiting.signal,
        ...(body === undefined ? {} : { body }),
      });
    } catch (error) {
      if (waiting.signal.aborted)
        throw new ProviderAnswerError(`no answer from ${url} within ${timeout / 1000} s`, { cause: error });
      throw error;
    } finally {
      clearTimeout(timer);
    }
    return { response, signed };
  }

  /**
   * The credentials a provider answered with (RFC 5849 §2.1, §2.3): its problem, or an error that
   * shows what came instead when the answer has no token and secret.
   */
  async #credentials(url: string, response: Response): Promise<Record<string, string>> {
    const problem = await readProblem(response);
    if (problem) throw problem;
    const text = await response.text();
    const shown = JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text);
    if (!response.ok)
      throw new ProviderAnswerError(`${url} answered ${response.status} ${response.statusText}: ${shown}`);
    let pairs: Record<string, string> = {};
    try {
      pairs = Object.fromEntries(parseFormEncoded(text, 'body').map((p) => [p.name, p.value]));
    } catch {
      // Not a form at all: reported below with what it was.
    }
    if (!pairs.oauth_token || pairs.oauth_token_secret === undefined) {
      const type = response.headers.get('content-type') ?? 'no content type';
      throw new ProviderAnswerError(
        `${url} answered ${response.status} (${type}) without oauth_token and oauth_token_secret: ${shown}`,
      );
    }
    return pairs;
  }

  /** Obtains temporary credentials (RFC 5849 §2.1); `scopes` are sent as `scope=a,b`. */
  async initiate(
    url: string,
    callback = 'oob',
    scopes?: readonly string[],
  ): Promise<Credentials & { callbackConfirmed: boolean }> {
    const form = scopes && scopes.length > 0 ? [['scope', scopes.join(',')] as const] : undefined;
    const pairs = await this.#credentials(
      url,
      await this.fetch(url, { method: 'POST', oauth: { oauth_callback: callback }, form }),
    );
    return {
      token: pairs.oauth_token ?? '',
      secret: pairs.oauth_token_secret ?? '',
      callbackConfirmed: pairs.oauth_callback_confirmed === 'true',
    };
  }

  /** Where to send the user to approve (RFC 5849 §2.2). */
  authorizationUrl(url: string, requestToken: Credentials): string {
    return `${url}${url.includes('?') ? '&' : '?'}oauth_token=${encodeURIComponent(requestToken.token)}`;
  }

  /** Exchanges an approved request token for token credentials (RFC 5849 §2.3). */
  async exchange(url: string, requestToken: Credentials, verifier: string): Promise<Credentials> {
    const pairs = await this.#credentials(
      url,
      await this.fetch(url, { method: 'POST', token: requestToken, oauth: { oauth_verifier: verifier } }),
    );
    return { token: pairs.oauth_token ?? '', secret: pairs.oauth_token_secret ?? '' };
  }
}
