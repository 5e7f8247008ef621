/** The developer console: the list of applications, registering one (or an LMS), and one application's page. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ProviderInputError } from 'countersign';
import { pageContext, requireUser, type ServerContext, sendPage } from '../context.js';
import { formField, formList } from '../form-fields.js';
import { appList, appPath, registerForm, type SettingsForm } from '../views/console.js';
import { type LmsForm, lmsForm } from '../views/lms-form.js';
import { appChangeRoutes } from './app-changes.js';
import { doctorRoutes } from './doctor.js';
import { type AppRequest, ownApp, sendAppPage } from './own-app.js';

/** The settings form as sent, each field one string (checkboxes a list). */
export function settingsForm(
  request: FastifyRequest,
): SettingsForm & { scopes: string[]; methods: string[] } {
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

export function consoleRoutes(app: FastifyInstance, ctx: ServerContext): void {
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
    const form = settingsForm(request);
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
      return reply.redirect(`${appPath(consumer.key)}?registered=1`, 303);
    } catch (error) {
      if (!(error instanceof ProviderInputError)) throw error;
      return sendPage(reply, registerForm(pageContext(ctx, request, reply), form, error.message), 400);
    }
  });

  app.get('/console/new-lms', async (request, reply) => {
    if (!(await requireUser(ctx, request, reply))) return reply;
    return sendPage(reply, lmsForm(pageContext(ctx, request, reply)));
  });

  app.post('/console/lms', { preHandler: app.csrfProtection.bind(app) }, async (request, reply) => {
    const user = await requireUser(ctx, request, reply);
    if (!user) return reply;
    const form: LmsForm = {
      name: formField(request, 'name'),
      description: formField(request, 'description'),
      key: formField(request, 'key').trim(),
      methods: formList(request, 'methods'),
    };
    try {
      const consumer = await ctx.provider.registerConsumer({
        name: form.name ?? '',
        description: form.description?.trim() || undefined,
        owner: user,
        lti: true,
        key: form.key || undefined,
        signatureMethods: form.methods,
      });
      return reply.redirect(`${appPath(consumer.key)}?registered=1`, 303);
    } catch (error) {
      if (!(error instanceof ProviderInputError)) throw error;
      return sendPage(reply, lmsForm(pageContext(ctx, request, reply), form, error.message), 400);
    }
  });

  app.get<{ Params: { key: string }; Querystring: { registered?: string; done?: string } }>(
    '/console/apps/:key',
    async (request, reply) => {
      const consumer = await ownApp(ctx, request, reply);
      if (!consumer) return reply;
      const notice = request.query.registered
        ? 'Registered. Reveal the secret below and keep it safe: it signs every request.'
        : request.query.done;
      return sendAppPage(ctx, request, reply, consumer, { notice });
    },
  );

  app.post<{ Params: { key: string } }>(
    '/console/apps/:key/secret',
    { preHandler: app.csrfProtection.bind(app) },
    async (request: AppRequest, reply) => {
      const consumer = await ownApp(ctx, request, reply);
      if (!consumer) return reply;
      return sendAppPage(ctx, request, reply, consumer, { showSecret: true });
    },
  );

  appChangeRoutes(app, ctx);
  doctorRoutes(app, ctx);
}
