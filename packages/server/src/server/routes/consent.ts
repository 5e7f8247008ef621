/**
 * Resource-owner authorization (RFC 5849 §2.2): `GET /oauth/authorize` shows the consent page
 * (after sign-in), `POST /oauth/authorize` records the decision (CSRF-protected) and sends the user
 * to the callback, or shows the PIN for `oob`.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { isOAuthProblem, ProviderInputError } from 'countersign';
import { formField, formList } from '../form-fields.js';
import type { PageContext } from '../views/layout.js';
import { pageContext, requireUser, type ServerContext, sendPage } from '../context.js';
import { consentPage, deniedPage, pinPage, undecidablePage } from '../views/consent.js';

export function consentRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const refuse = (error: unknown, page: PageContext, reply: FastifyReply) => {
    // A decision the page could not have sent (a scope that was not requested) is the form's fault.
    if (error instanceof ProviderInputError) {
      return sendPage(reply, undecidablePage(page, error.code, error.message), 400);
    }
    if (!isOAuthProblem(error)) throw error;
    return sendPage(
      reply,
      undecidablePage(page, error.problem, error.advice),
      error.status === 401 ? 400 : error.status,
    );
  };

  app.get<{ Querystring: { oauth_token?: string } }>('/oauth/authorize', async (request, reply) => {
    const user = await requireUser(ctx, request, reply);
    if (!user) return reply;
    const page = pageContext(ctx, request, reply);
    try {
      const details = await ctx.provider.authorization(String(request.query.oauth_token ?? ''));
      return sendPage(reply, consentPage(page, details));
    } catch (error) {
      return refuse(error, page, reply);
    }
  });

  app.post('/oauth/authorize', { preHandler: app.csrfProtection.bind(app) }, async (request, reply) => {
    const user = await requireUser(ctx, request, reply);
    if (!user) return reply;
    const page = pageContext(ctx, request, reply);
    const token = formField(request, 'oauth_token');
    const approve = formField(request, 'decision') === 'approve';
    const scopes = formList(request, 'scopes');
    try {
      const { consumer } = await ctx.provider.authorization(token);
      const outcome = await ctx.provider.decide(token, {
        user,
        approve,
        scopes,
      });
      if (outcome.redirect) return reply.redirect(outcome.redirect, 303);
      return sendPage(
        reply,
        approve ? pinPage(page, consumer.name, outcome.verifier ?? '') : deniedPage(page, consumer.name),
      );
    } catch (error) {
      return refuse(error, page, reply);
    }
  });
}
