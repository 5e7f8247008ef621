/**
 * How the server answers what it cannot serve: an HTML page in the site's layout for every status
 * when a browser asked, with the security headers of any page. A 4xx page says what was wrong with
 * the request; a 5xx page says only that something went wrong, and the detail goes to the log,
 * never to the browser. Other clients get what they read: Fastify's JSON 404 for an unknown path,
 * short plain text for the errors of the OAuth endpoints and the API that are not OAuth problems
 * (a body too large, an undecodable URL, a store outage). OAuth problems are the engine's to
 * render (their status and `WWW-Authenticate` always; for a browser, the engine's own problem page,
 * docs/problems.md), not these pages.
 */
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Negotiator from 'negotiator';
import { StoreUnavailableError } from 'countersign';
import { type ServerContext, pageContext, sendPage } from './context.js';
import type { PageContext } from './views/layout.js';
import { errorPage } from './views/error.js';

/** The status to answer an error with: its own when it is an HTTP error status, otherwise 500. */
function statusOf(error: unknown): number {
  if (error instanceof StoreUnavailableError) return 503;
  const status = (error as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' && status >= 400 && status <= 599 ? status : 500;
}

/** The page context, or an anonymous one when even that cannot be had (the store is down). */
function safePageContext(ctx: ServerContext, request: FastifyRequest, reply: FastifyReply): PageContext {
  try {
    return pageContext(ctx, request, reply);
  } catch {
    return { csrf: '' };
  }
}

/**
 * Sends the error page for `status`.
 *
 * @example
 * ```ts
 * if (!consumer) return sendErrorPage(ctx, request, reply, 404);
 * ```
 */
export function sendErrorPage(
  ctx: ServerContext,
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
): FastifyReply {
  return sendPage(reply, errorPage(safePageContext(ctx, request, reply), status), status);
}

/** Errors whose message says what was wrong with the request without repeating any of it. */
const SAFE_MESSAGES = new Set([
  'FST_ERR_CTP_BODY_TOO_LARGE',
  'FST_ERR_CTP_INVALID_MEDIA_TYPE',
  'FST_ERR_CTP_EMPTY_JSON_BODY',
  'FST_ERR_CTP_INVALID_CONTENT_LENGTH',
]);

/**
 * The text of a plain error answer outside the pages: the status's own words, or a message known
 * not to echo the request. Others (a bad URL's) repeat the URL, whose query may carry a signature.
 *
 * @example
 * ```ts
 * plainErrorText(new Error('boom'), 500); // 'Internal server error.'
 * ```
 */
export function plainErrorText(error: unknown, status: number): string {
  if (status >= 500) return 'Internal server error.';
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && SAFE_MESSAGES.has(code)) return (error as Error).message;
  return `${STATUS_CODES[status] ?? 'Bad request'}.`;
}

/**
 * What a page outside the site's scope (helmet's) is sent with: the site's own policy, no framing,
 * no sniffing, no referrer.
 */
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'self'; base-uri 'self'; object-src 'none'; script-src 'self'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const;

/**
 * Answers an error outside the pages: the error page for a browser, `text` as plain text for any
 * other client.
 *
 * @example
 * ```ts
 * return answerError(ctx, request, reply, 400, plainErrorText(error, 400));
 * ```
 */
export function answerError(
  ctx: ServerContext,
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  text: string,
): FastifyReply {
  if (wantsHtml(request)) return sendErrorPage(ctx, request, reply.headers(PAGE_HEADERS), status);
  return reply
    .code(status)
    .header('x-content-type-options', 'nosniff')
    .type('text/plain; charset=utf-8')
    .send(text);
}

/**
 * The API scope's error answers (the OAuth endpoints and the sample API): a Fastify error (a body
 * too large) as `answerError` says, and a 5xx the engine answered in plain text (a store outage)
 * as the error page when a browser asked. Otherwise the API answers JSON and OAuth problems as the
 * engine renders them: of helmet's headers only nosniff matters, and it is set here without running
 * helmet's dozen hooks on every API call.
 */
export function apiErrors(api: FastifyInstance, ctx: ServerContext): void {
  api.setErrorHandler(async (error: FastifyError, request, reply) => {
    const status = statusOf(error);
    if (status >= 500) request.log.error({ reqId: request.id, err: error }, 'request failed');
    return answerError(ctx, request, reply, status, plainErrorText(error, status));
  });
  api.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    if (reply.statusCode < 500 || !wantsHtml(request)) return payload;
    reply.headers(PAGE_HEADERS).type('text/html; charset=utf-8');
    return errorPage(safePageContext(ctx, request, reply), reply.statusCode);
  });
}

function wantsHtml(request: FastifyRequest): boolean {
  const preferred = new Negotiator({ headers: { accept: request.headers.accept ?? '*/*' } }).mediaType([
    'application/json',
    'text/html',
  ]);
  return preferred === 'text/html';
}

/**
 * The methods each page path answers, learnt as the pages' routes are added, so that a known path
 * asked with another method (a GET of a form's action) is a 405 naming the methods, not a 404.
 */
function routeMethods(pages: FastifyInstance): (path: string) => string[] {
  const routes: { pattern: RegExp; methods: string[] }[] = [];
  pages.addHook('onRoute', ({ url, method }) => {
    const escaped = url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:\w+/g, '[^/]+');
    routes.push({ pattern: new RegExp(`^${escaped}$`), methods: [method].flat() });
  });
  return (path) => [...new Set(routes.filter((r) => r.pattern.test(path)).flatMap((r) => r.methods))];
}

/** Installs the error handler and the 404 handler of the pages' scope, before the pages' routes. */
export function pageErrors(pages: FastifyInstance, ctx: ServerContext): void {
  const methodsOf = routeMethods(pages);
  pages.setErrorHandler(async (error: FastifyError, request, reply) => {
    const status = statusOf(error);
    if (status >= 500) request.log.error({ reqId: request.id, err: error }, 'request failed');
    return sendErrorPage(ctx, request, reply, status);
  });
  pages.setNotFoundHandler(async (request, reply) => {
    const allowed = methodsOf(request.url.split('?')[0] ?? '');
    const status = allowed.length > 0 ? 405 : 404;
    if (status === 405) reply.header('allow', allowed.join(', '));
    if (wantsHtml(request)) return sendErrorPage(ctx, request, reply, status);
    // The URL is not echoed: its query may carry a signature, and a PLAINTEXT one is the secrets.
    return reply.code(status).send({
      message: status === 405 ? `This path takes ${allowed.join(', ')}.` : 'No route serves this path.',
      error: status === 405 ? 'Method Not Allowed' : 'Not Found',
      statusCode: status,
    });
  });
}
