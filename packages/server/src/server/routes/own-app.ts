/** What the console's application routes share: finding the signed-in user's own app, and its page. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Consumer } from 'countersign';
import { pageContext, requireUser, type ServerContext, sendPage, siteOrigin } from '../context.js';
import { sendErrorPage } from '../error-pages.js';
import { type AppPageOptions, appPage } from '../views/app-page.js';
import { appPath } from '../views/app-path.js';

/** A request to one application's path. */
export type AppRequest = FastifyRequest<{ Params: { key: string } }>;

/**
 * The signed-in user's application named by the path; otherwise redirects to sign-in, or answers
 * 404 (another user's application is not found, so as not to say that it exists), and returns
 * `undefined`.
 */
export async function ownApp(
  ctx: ServerContext,
  request: AppRequest,
  reply: FastifyReply,
): Promise<Consumer | undefined> {
  const user = await requireUser(ctx, request, reply);
  if (!user) return undefined;
  const consumer = await ctx.store.getConsumer(request.params.key);
  if (consumer?.owner === user) return consumer;
  await sendErrorPage(ctx, request, reply, 404);
  return undefined;
}

/** Sends the application's page. */
export async function sendAppPage(
  ctx: ServerContext,
  request: FastifyRequest,
  reply: FastifyReply,
  consumer: Consumer,
  options: Omit<AppPageOptions, 'now'> = {},
): Promise<FastifyReply> {
  const problems = await ctx.data.listProblems(consumer.key);
  const page = pageContext(ctx, request, reply);
  return sendPage(
    reply,
    appPage(page, consumer, problems, { ...options, now: ctx.clock(), origin: siteOrigin(ctx, request) }),
  );
}

/** Redirects to the application's page, which then shows `notice`. */
export function backToApp(reply: FastifyReply, consumer: Consumer, notice: string): FastifyReply {
  return reply.redirect(`${appPath(consumer.key)}?done=${encodeURIComponent(notice)}`, 303);
}
