/**
 * The account page (`/account`) and the password change: the current password is required (and
 * its checks are rate limited per user, so that a borrowed session cannot guess it), and every
 * other session of the user ends (this one stays signed in).
 */
import type { FastifyInstance } from 'fastify';
import { pageContext, requireUser, type ServerContext, sendPage } from '../context.js';
import { formField } from '../form-fields.js';
import { hashPassword, passwordProblem, verifyPassword } from '../passwords.js';
import type { AccountLimits } from '../rate-limits.js';
import { accountPage } from '../views/account.js';

export function accountPageRoutes(app: FastifyInstance, ctx: ServerContext, limits: AccountLimits): void {
  app.get<{ Querystring: { done?: string } }>('/account', async (request, reply) => {
    if (!(await requireUser(ctx, request, reply))) return reply;
    const notice =
      request.query.done === 'password' ? 'Password changed; other sessions were signed out.' : undefined;
    return sendPage(reply, accountPage(pageContext(ctx, request, reply), undefined, notice));
  });

  app.post(
    '/account/password',
    { preHandler: [app.csrfProtection.bind(app), limits.passwordChangeAttempt] },
    async (request, reply) => {
      const name = await requireUser(ctx, request, reply);
      if (!name) return reply;
      const current = formField(request, 'current');
      const password = formField(request, 'password');
      const valid = await verifyPassword(current, await ctx.data.getPasswordHash(name));
      const problem = valid ? passwordProblem(password, name) : 'The current password is wrong.';
      if (problem) return sendPage(reply, accountPage(pageContext(ctx, request, reply), problem), 400);
      await ctx.data.setPasswordHash(name, await hashPassword(password));
      await ctx.data.deleteUserSessions(name, request.signedIn?.idHash);
      return reply.redirect('/account?done=password', 303);
    },
  );
}
