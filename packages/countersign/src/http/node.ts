/**
 * The node:http adapter: turns an `IncomingMessage` into the engine's request, and the engine's
 * answers into a `ServerResponse`. The Express adapter builds on it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { CountersignError } from '../core/countersign-error.js';
import type { WireResponse } from '../problems/wire.js';
import type { Provider } from '../provider/provider.js';
import type { OAuthRequest } from '../provider/request.js';
import type { VerifiedRequest, VerifyOptions } from '../provider/verify.js';
import { type AdapterOptions, DEFAULT_PATHS, endpointFor } from './paths.js';
import { type Refusal, refusalFor, TOO_LARGE } from './refusal.js';

export type { AdapterOptions, EndpointPaths } from './paths.js';
export type { Refusal } from './refusal.js';

/** Bodies larger than this are refused with 413 (default 1 MiB). */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** A body over the limit. */
export class BodyTooLargeError extends CountersignError<'body_too_large'> {
  override readonly name = 'BodyTooLargeError';
  constructor(message: string) {
    super('body_too_large', message);
  }
}

/**
 * A body's bytes, counted as they arrive and refused (`BodyTooLargeError`) as soon as they pass
 * `limit`: a body without a Content-Length (chunked) is never held whole before it is refused.
 * Leaving the loop early cancels the stream.
 */
export async function readLimited(chunks: AsyncIterable<Uint8Array>, limit: number): Promise<Buffer> {
  const read: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    size += chunk.byteLength;
    if (size > limit) throw new BodyTooLargeError(`body over ${limit} bytes`);
    read.push(chunk);
  }
  return Buffer.concat(read);
}

/** Reads a request body, refusing more than `limit` bytes. */
export async function readBody(request: IncomingMessage, limit = DEFAULT_BODY_LIMIT): Promise<Buffer> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > limit) throw new BodyTooLargeError(`body over ${limit} bytes`);
  return readLimited(request, limit);
}

/** The engine's view of a node:http request whose body has been read. */
export function fromNodeRequest(
  request: IncomingMessage,
  body: Uint8Array | string | undefined,
): OAuthRequest {
  return {
    method: request.method ?? 'GET',
    target: request.url ?? '/',
    headers: request.headers,
    secure: (request.socket as Partial<TLSSocket>).encrypted === true,
    remoteAddress: request.socket.remoteAddress,
    body,
  };
}

/** Writes an engine answer. */
export function sendWire(response: ServerResponse, wire: WireResponse): void {
  response.writeHead(wire.status, wire.headers);
  response.end(wire.body);
}

/** The node:http adapter's options: the shared ones, and who answers a refused resource request. */
export interface NodeAdapterOptions extends AdapterOptions {
  /**
   * Answers a request `protect` refused, instead of the problem response (`refusal.response`)
   * the adapter would write; it must end `response` itself. If it has sent nothing by the time it
   * returns (or its promise settles), the problem response is sent; if it throws, a 500 without
   * detail (the error goes to `onError`).
   *
   * @defaultValue `undefined` (the problem response is sent)
   */
  readonly onRefused?:
    | ((refusal: Refusal, request: IncomingMessage, response: ServerResponse) => void | Promise<void>)
    | undefined;
}

/** The node:http adapter's two calls. */
export interface NodeAdapter {
  /** Serves the initiate and token endpoints; returns `false` (and does nothing) for other paths. */
  handleEndpoint(request: IncomingMessage, response: ServerResponse): Promise<boolean>;
  /**
   * Verifies a protected-resource request. On success returns what it proves and the body it read
   * (the request stream is consumed: parse the returned bytes); on refusal sends the problem
   * response, or hands the refusal to `onRefused`, and returns `undefined`.
   */
  protect(
    request: IncomingMessage,
    response: ServerResponse,
    options?: VerifyOptions,
  ): Promise<{ verified: VerifiedRequest; body: Buffer } | undefined>;
}

/**
 * @example
 * ```ts
 * const oauth = nodeAdapter(provider);
 * http.createServer(async (req, res) => {
 *   if (await oauth.handleEndpoint(req, res)) return;
 *   const ok = await oauth.protect(req, res, { scope: 'read_public' });
 *   if (ok) res.end(`hello ${ok.verified.user}`);
 * });
 * ```
 */
export function nodeAdapter(provider: Provider, options: NodeAdapterOptions = {}): NodeAdapter {
  const paths = options.paths ?? DEFAULT_PATHS;
  const limit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const { onRefused } = options;
  const refuse = async (refusal: Refusal, request: IncomingMessage, response: ServerResponse) => {
    if (!onRefused) {
      sendWire(response, refusal.response);
      return;
    }
    try {
      await onRefused(refusal, request, response);
    } catch (error) {
      // Answered as any failure of the server's own: a 500 without detail, the error to onError.
      if (!response.headersSent)
        sendWire(response, provider.errorResponse(error, fromNodeRequest(request, undefined)));
      else if (!response.writableEnded) response.end();
      return;
    }
    // An onRefused that answered nothing would leave the client waiting until the socket times out.
    if (!response.headersSent) sendWire(response, refusal.response);
  };
  const read = async (request: IncomingMessage) => {
    try {
      return await readBody(request, limit);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      return undefined;
    }
  };
  return {
    async handleEndpoint(request, response) {
      const endpoint = endpointFor(paths, (request.url ?? '/').split('?')[0] ?? '/');
      if (!endpoint) return false;
      const body = await read(request);
      if (!body) {
        sendWire(response, TOO_LARGE.response);
        return true;
      }
      const oauthRequest = fromNodeRequest(request, body);
      sendWire(response, await provider[endpoint](oauthRequest));
      return true;
    },
    async protect(request, response, protectOptions) {
      const body = await read(request);
      if (!body) {
        await refuse(TOO_LARGE, request, response);
        return undefined;
      }
      const oauthRequest = fromNodeRequest(request, body);
      try {
        return { verified: await provider.verify(oauthRequest, protectOptions), body };
      } catch (error) {
        await refuse(refusalFor(provider, error, oauthRequest), request, response);
        return undefined;
      }
    },
  };
}
