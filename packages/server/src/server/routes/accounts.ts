/** Sign-up, sign-in (rate limited) and sign-out. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CSRF_COOKIE, type ServerContext, pageContext, safeNext, sendPage } from '../context.js';
import { formField } from '../form-fields.js';
import { html } from '../html.js';
import { hashPassword, passwordProblem, userNameProblem, verifyPassword } from '../passwords.js';
import type { AccountLimits } from '../rate-limits.js';
import { endSession, startSession } from '../session.js';
import { addUser } from '../users.js';
import { csrfField, layout, type PageContext } from '../views/layout.js';

function accountForm(kind: 'login' | 'signup', page: PageContext, next: string, error?: string, name = '') {
  const title = kind === 'login' ? 'Sign in' : 'Create an account';
  return layout(
    title,
    page,
    html`<h1>${title}</h1>
      <div class="card">
        ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
        <form method="post" action="/${kind}">
          ${csrfField(page)}
          <input type="hidden" name="next" value="${next}" />
          <label for="name">User name</label>
          <input type="text" id="name" name="name" value="${name}" autocomplete="username" required />
          <label for="password"
            >Password ${kind === 'signup' ? html`<span class="hint">at least 8 characters</span>` : ''}</label
          >
          <input
            type="password"
            id="password"
            name="password"
            autocomplete="${kind === 'login' ? 'current-password' : 'new-password'}"
            required
          />
          <div class="actions"><button type="submit">${title}</button></div>
        </form>
      </div>
      <p>
        ${kind === 'login' ? html`No account yet? <a href="/signup">Sign up</a>.` : html`Have an account? <a href="/login">Sign in</a>.`}
      </p>`,
  );
}

/**
 * Starts a session for `user` in place of any the browser had, with a fresh CSRF secret: a secret
 * planted in the browser before sign-in (by a sibling site, say) signs nothing after it.
 */
async function signIn(ctx: ServerContext, request: FastifyRequest, reply: FastifyReply, user: string) {
  if (request.signedIn) await ctx.data.deleteSession(request.signedIn.idHash);
  request.signedIn = await startSession(ctx, reply, user, ctx.secureCookies || request.protocol === 'https');
  reply.clearCookie(CSRF_COOKIE, { path: '/' });
}

/** What a sign-up to a taken name is told: the same words for any name that cannot be had. */
const NAME_UNAVAILABLE = 'That user name is not available; choose another.';

export function accountRoutes(app: FastifyInstance, ctx: ServerContext, limits: AccountLimits): void {
  app.get<{ Querystring: { next?: string } }>('/login', (request, reply) =>
    sendPage(reply, accountForm('login', pageContext(ctx, request, reply), safeNext(request.query.next))),
  );
  app.get<{ Querystring: { next?: string } }>('/signup', (request, reply) =>
    sendPage(reply, accountForm('signup', pageContext(ctx, request, reply), safeNext(request.query.next))),
  );

  const csrf = app.csrfProtection.bind(app);

  app.post('/signup', { preHandler: [limits.signUpAttempt, csrf] }, async (request, reply) => {
    const name = formField(request, 'name').trim();
    const password = formField(request, 'password');
    const next = safeNext(formField(request, 'next'));
    // The password is hashed whatever the outcome, so that a taken name answers in the same time as
    // a new one; and a taken name is one more failure counted against the address.
    const hash = hashPassword(password);
    const problem =
      userNameProblem(name) ??
      passwordProblem(password, name) ??
      ((await ctx.store.getUser(name)) === undefined ? undefined : NAME_UNAVAILABLE);
    await hash;
    if (problem) {
      await limits.signUpFailed(request);
      const page = pageContext(ctx, request, reply);
      return sendPage(reply, accountForm('signup', page, next, problem, name), 400);
    }
    // The engine's insert-only addUser decides the name: of two sign-ups of one name at once, the
    // second is refused, and never gets an account for a user someone else holds.
    if (!(await addUser(ctx.provider, ctx.data, name, await hash, ctx.clock()))) {
      await limits.signUpFailed(request);
      const page = pageContext(ctx, request, reply);
      return sendPage(reply, accountForm('signup', page, next, NAME_UNAVAILABLE, name), 400);
    }
    await signIn(ctx, request, reply, name);
    return reply.redirect(next, 303);
  });

  app.post(
    '/login',
    { preHandler: [limits.signInAttempt, csrf, limits.signInNameAttempt] },
    async (request, reply) => {
      const name = formField(request, 'name').trim();
      const next = safeNext(formField(request, 'next'));
      const user = await ctx.store.getUser(name);
      const hash = user && (await ctx.data.getPasswordHash(name));
      const valid = await verifyPassword(formField(request, 'password'), hash);
      if (!user || !valid || user.status !== 'active') {
        const message =
          valid && user?.status === 'suspended'
            ? 'This account is suspended.'
            : 'Wrong user name or password.';
        return sendPage(
          reply,
          accountForm('login', pageContext(ctx, request, reply), next, message, name),
          401,
        );
      }
      await signIn(ctx, request, reply, user.name);
      return reply.redirect(next, 303);
    },
  );

  app.post('/logout', { preHandler: app.csrfProtection.bind(app) }, async (request, reply) => {
    await endSession(ctx, request, reply);
    return reply.redirect('/', 303);
  });
}
