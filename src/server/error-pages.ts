/**
 * How the pages answer what they cannot serve: an HTML page in the site's layout for every status,
 * with the security headers of any page. A 4xx page says what was wrong with the request; a 5xx
 * page says only that something went wrong, and the detail goes to the log, never to the browser.
 * An unknown path is the HTML 404 page for a browser, and Fastify's JSON 404 for any other client.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Negotiator from 'negotiator';
import { StoreUnavailableError } from '../provider/errors.js';
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

/** Installs the error handler and the 404 handler of the pages' scope. */
export function pageErrors(pages: FastifyInstance, ctx: ServerContext): void {
  pages.setErrorHandler(async (error: FastifyError, request, reply) => {
    const status = statusOf(error);
    if (status >= 500) request.log.error({ reqId: request.id, err: error }, 'request failed');
    return sendErrorPage(ctx, request, reply, status);
  });
  pages.setNotFoundHandler(async (request, reply) => {
    if (wantsHtml(request)) return sendErrorPage(ctx, request, reply, 404);
    return reply.code(404).send({
      message: `Route ${request.method}:${request.url} not found`,
      error: 'Not Found',
      statusCode: 404,
    });
  });
}
