/**
 * How the pages answer what they cannot serve: an HTML page in the site's layout for every status,
 * with the security headers of any page. A 4xx page says what was wrong with the request; a 5xx
 * page says only that something went wrong, and the detail goes to the log, never to the browser.
 * An unknown path is the HTML 404 page for a browser, and Fastify's JSON 404 for any other client.
 */
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
