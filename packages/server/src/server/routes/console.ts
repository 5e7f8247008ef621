/** The developer console: register, inspect, rotate, suspend, resume and delete applications. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Consumer, ProviderInputError } from 'countersign';
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

/** What the page says after each change. */
const NOTICES = {
  rotate: 'The secret was rotated; the old one no longer signs anything.',
  suspend: 'Suspended: its requests get consumer_key_refused.',
  resume: 'Resumed.',
} as const;

/**
 * Rotates, suspends or resumes an application through the engine; returns the notice to show, or
 * `undefined` if the application was deleted meanwhile (in another tab).
 */
async function change(
  ctx: ServerContext,
  key: string,
  action: 'rotate' | 'suspend' | 'resume',
): Promise<string | undefined> {
  try {
    if (action === 'rotate') await ctx.provider.rotateConsumerSecret(key);
    else if (action === 'suspend') await ctx.provider.suspendConsumer(key);
    else await ctx.provider.resumeConsumer(key);
  } catch (error) {
    if (!(error instanceof ProviderInputError)) throw error;
    if (error.code === 'consumer_disabled') return 'A disabled application cannot change status.';
    if (error.code === 'unknown_consumer') return undefined;
    throw error;
  }
  return NOTICES[action];
}

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
      const problems = await ctx.data.listProblems(consumer.key);
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
              await ctx.data.listProblems(consumer.key),
              undefined,
              true,
            ),
          );
        case 'rotate':
        case 'suspend':
        case 'resume': {
          const notice = await change(ctx, consumer.key, action);
          return notice === undefined ? sendErrorPage(ctx, request, reply, 404) : back(notice);
        }
        case 'delete':
          await ctx.provider.deleteConsumer(consumer.key);
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
