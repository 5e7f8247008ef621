/** The developer console: register, inspect, rotate, suspend, resume and delete applications. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { newCredential } from '../../provider/credentials.js';
import { ProviderInputError } from '../../provider/errors.js';
import type { Consumer } from '../../provider/model.js';
import { pageContext, requireUser, type ServerContext, sendPage } from '../context.js';
import { sendErrorPage } from '../error-pages.js';
import { formField, formList } from '../form-fields.js';
import { appList, appPage, type RegistrationForm, registerForm } from '../views/console.js';

/** The registration form as sent, each field one string (checkboxes a list). */
function registration(request: FastifyRequest): RegistrationForm & { scopes: string[]; methods: string[] } {
  return {
    name: formField(request, 'name'),
    description: formField(request, 'description'),
    callback: formField(request, 'callback'),
    scopes: formList(request, 'scopes'),
    methods: formList(request, 'methods'),
    two_legged: formField(request, 'two_legged'),
    rsa_public_key: formField(request, 'rsa_public_key'),
  };
}

type Action = 'secret' | 'rotate' | 'suspend' | 'resume' | 'delete';

export function consoleRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const ownApp = async (
    user: string,
    request: FastifyRequest<{ Params: { key: string } }>,
    reply: FastifyReply,
  ): Promise<Consumer | undefined> => {
    const consumer = await ctx.store.getConsumer(request.params.key);
    if (consumer?.owner === user) return consumer;
    await sendErrorPage(ctx, request, reply, 404);
    return undefined;
  };

  app.get('/console', async (request, reply) => {
    const user = await requireUser(ctx, request, reply);
    if (!user) return reply;
    return sendPage(reply, appList(pageContext(ctx, request, reply), await ctx.store.listConsumers(user)));
  });

  app.get('/console/new', async (request, reply) => {
    if (!(await requireUser(ctx, request, reply))) return reply;
    return sendPage(reply, registerForm(pageContext(ctx, request, reply)));
  });

  app.post('/console/apps', { preHandler: app.csrfProtection.bind(app) }, async (request, reply) => {
    const user = await requireUser(ctx, request, reply);
    if (!user) return reply;
    const form = registration(request);
    const key = form.rsa_public_key?.trim();
    try {
      const consumer = await ctx.provider.registerConsumer({
        name: String(form.name ?? ''),
        description: form.description?.trim() || undefined,
        owner: user,
        callback: String(form.callback ?? '').trim(),
        scopes: form.scopes,
        signatureMethods: form.methods,
        twoLegged: form.two_legged === 'on',
        rsaPublicKey: key ? key : undefined,
      });
      return reply.redirect(`/console/apps/${consumer.key}?registered=1`, 303);
    } catch (error) {
      if (!(error instanceof ProviderInputError)) throw error;
      return sendPage(reply, registerForm(pageContext(ctx, request, reply), form, error.message), 400);
    }
  });

  app.get<{ Params: { key: string }; Querystring: { registered?: string; done?: string } }>(
    '/console/apps/:key',
    async (request, reply) => {
      const user = await requireUser(ctx, request, reply);
      if (!user) return reply;
      const consumer = await ownApp(user, request, reply);
      if (!consumer) return reply;
      const notice = request.query.registered
        ? 'Registered. Reveal the secret below and keep it safe: it signs every request.'
        : request.query.done;
      const problems = await ctx.store.listProblems(consumer.key);
      return sendPage(reply, appPage(pageContext(ctx, request, reply), consumer, problems, notice));
    },
  );

  app.post<{ Params: { key: string; action: Action } }>(
    '/console/apps/:key/:action',
    { preHandler: app.csrfProtection.bind(app) },
    async (request, reply) => {
      const user = await requireUser(ctx, request, reply);
      if (!user) return reply;
      const consumer = await ownApp(user, request, reply);
      if (!consumer) return reply;
      const { action } = request.params;
      const back = (done: string) =>
        reply.redirect(`/console/apps/${consumer.key}?done=${encodeURIComponent(done)}`, 303);
      switch (action) {
        case 'secret':
          return sendPage(
            reply,
            appPage(
              pageContext(ctx, request, reply),
              consumer,
              await ctx.store.listProblems(consumer.key),
              undefined,
              true,
            ),
          );
        case 'rotate':
          await ctx.store.putConsumer({
            ...consumer,
            secret: newCredential(ctx.provider.config.randomBytes),
          });
          return back('The secret was rotated; the old one no longer signs anything.');
        case 'suspend':
        case 'resume':
          if (consumer.status === 'disabled') return back('A disabled application cannot change status.');
          await ctx.store.putConsumer({ ...consumer, status: action === 'suspend' ? 'suspended' : 'active' });
          return back(
            action === 'suspend' ? 'Suspended: its requests get consumer_key_refused.' : 'Resumed.',
          );
        case 'delete':
          await ctx.store.deleteConsumer(consumer.key);
          return sendPage(
            reply,
            appList(
              pageContext(ctx, request, reply),
              await ctx.store.listConsumers(user),
              `${consumer.name} was deleted.`,
            ),
          );
        default:
          return sendErrorPage(ctx, request, reply, 404);
      }
    },
  );
}
