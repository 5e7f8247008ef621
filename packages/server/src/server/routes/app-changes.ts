/**
 * Changing an application from its console page, each through the engine: editing its settings,
 * rotating its secret (confirmed, with a grace period) and ending the grace period, suspending and
 * resuming it, and deleting it (confirmed). What cannot be undone is done only by the POST of its
 * confirmation page; a POST without the confirmation shows that page.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { type Consumer, ProviderInputError } from 'countersign';
import { pageContext, type ServerContext, sendPage } from '../context.js';
import { sendErrorPage } from '../error-pages.js';
import { formField } from '../form-fields.js';
import { utcMinute } from '../problem-recorder.js';
import { deleteConfirm, GRACE_PERIODS, rotateConfirm } from '../views/confirm.js';
import { appList, editForm } from '../views/console.js';
import { settingsForm } from './console.js';
import { type AppRequest, backToApp, ownApp } from './own-app.js';

/** What the page says after each change of status. */
const STATUS_NOTICES = {
  suspend: 'Suspended: its requests get consumer_key_refused.',
  resume: 'Resumed.',
} as const;

/**
 * Runs a change through the engine; `undefined` when the application was deleted meanwhile (in
 * another tab), else the error's message for a change the engine refused (`consumer_disabled`), or
 * `true`.
 */
async function attempt(change: () => Promise<unknown>): Promise<true | string | undefined> {
  try {
    await change();
    return true;
  } catch (error) {
    if (!(error instanceof ProviderInputError)) throw error;
    if (error.code === 'unknown_consumer') return undefined;
    if (error.code === 'consumer_disabled') return 'A disabled application cannot change status.';
    throw error;
  }
}

/** Answers a change's outcome: back to the page with `notice`, or the 404 page if it is gone. */
function answer(
  ctx: ServerContext,
  request: AppRequest,
  reply: FastifyReply,
  consumer: Consumer,
  outcome: true | string | undefined,
  notice: string,
): FastifyReply {
  if (outcome === undefined) return sendErrorPage(ctx, request, reply, 404);
  return backToApp(reply, consumer, outcome === true ? notice : outcome);
}

function rotatedNotice(rotated: Consumer): string {
  const until = rotated.previousSecret?.expiresAt;
  return until === undefined
    ? 'The secret was rotated; the old one no longer signs anything. Reveal the new one below.'
    : `The secret was rotated; the old one keeps working until ${utcMinute(until)}. Reveal the new one below.`;
}

function editRoutes(app: FastifyInstance, ctx: ServerContext, csrf: FastifyInstance['csrfProtection']) {
  app.get<{ Params: { key: string } }>('/console/apps/:key/edit', async (request, reply) => {
    const consumer = await ownApp(ctx, request, reply);
    if (!consumer) return reply;
    return sendPage(reply, editForm(pageContext(ctx, request, reply), consumer));
  });

  app.post<{ Params: { key: string } }>(
    '/console/apps/:key/edit',
    { preHandler: csrf },
    async (request, reply) => {
      const consumer = await ownApp(ctx, request, reply);
      if (!consumer) return reply;
      const form = settingsForm(request);
      const description = form.description?.trim() ?? '';
      const key = form.rsa_public_key?.trim() ?? '';
      try {
        await ctx.provider.updateConsumer(consumer.key, {
          name: form.name ?? '',
          description: description === '' ? null : description,
          callback: (form.callback ?? '').trim(),
          scopes: form.scopes,
          signatureMethods: form.methods,
          twoLegged: form.two_legged === 'on',
          rsaPublicKey: key === '' ? null : key,
        });
      } catch (error) {
        if (!(error instanceof ProviderInputError)) throw error;
        if (error.code === 'unknown_consumer') return sendErrorPage(ctx, request, reply, 404);
        return sendPage(
          reply,
          editForm(pageContext(ctx, request, reply), consumer, form, error.message),
          400,
        );
      }
      return backToApp(reply, consumer, 'The settings were saved.');
    },
  );
}

function rotateRoutes(app: FastifyInstance, ctx: ServerContext, csrf: FastifyInstance['csrfProtection']) {
  app.get<{ Params: { key: string } }>('/console/apps/:key/rotate', async (request, reply) => {
    const consumer = await ownApp(ctx, request, reply);
    if (!consumer) return reply;
    return sendPage(reply, rotateConfirm(pageContext(ctx, request, reply), consumer, ctx.clock()));
  });

  app.post<{ Params: { key: string } }>(
    '/console/apps/:key/rotate',
    { preHandler: csrf },
    async (request, reply) => {
      const consumer = await ownApp(ctx, request, reply);
      if (!consumer) return reply;
      if (formField(request, 'confirm') !== 'rotate')
        return sendPage(reply, rotateConfirm(pageContext(ctx, request, reply), consumer, ctx.clock()));
      const grace = GRACE_PERIODS.find(([seconds]) => String(seconds) === formField(request, 'grace'));
      if (!grace) return sendErrorPage(ctx, request, reply, 400);
      let rotated: Consumer | undefined;
      const outcome = await attempt(async () => {
        rotated = await ctx.provider.rotateConsumerSecret(consumer.key, { gracePeriod: grace[0] });
      });
      return answer(ctx, request, reply, consumer, outcome, rotated ? rotatedNotice(rotated) : '');
    },
  );

  app.post<{ Params: { key: string } }>(
    '/console/apps/:key/end-previous-secret',
    { preHandler: csrf },
    async (request, reply) => {
      const consumer = await ownApp(ctx, request, reply);
      if (!consumer) return reply;
      const outcome = await attempt(() => ctx.provider.endPreviousSecret(consumer.key));
      return answer(ctx, request, reply, consumer, outcome, 'The previous secret is no longer accepted.');
    },
  );
}

function statusRoutes(app: FastifyInstance, ctx: ServerContext, csrf: FastifyInstance['csrfProtection']) {
  for (const action of ['suspend', 'resume'] as const) {
    app.post<{ Params: { key: string } }>(
      `/console/apps/:key/${action}`,
      { preHandler: csrf },
      async (request, reply) => {
        const consumer = await ownApp(ctx, request, reply);
        if (!consumer) return reply;
        const outcome = await attempt(() =>
          action === 'suspend'
            ? ctx.provider.suspendConsumer(consumer.key)
            : ctx.provider.resumeConsumer(consumer.key),
        );
        return answer(ctx, request, reply, consumer, outcome, STATUS_NOTICES[action]);
      },
    );
  }

  app.get<{ Params: { key: string } }>('/console/apps/:key/delete', async (request, reply) => {
    const consumer = await ownApp(ctx, request, reply);
    if (!consumer) return reply;
    return sendPage(reply, deleteConfirm(pageContext(ctx, request, reply), consumer));
  });

  app.post<{ Params: { key: string } }>(
    '/console/apps/:key/delete',
    { preHandler: csrf },
    async (request, reply) => {
      const consumer = await ownApp(ctx, request, reply);
      if (!consumer) return reply;
      if (formField(request, 'confirm') !== 'delete')
        return sendPage(reply, deleteConfirm(pageContext(ctx, request, reply), consumer));
      await ctx.provider.deleteConsumer(consumer.key);
      const page = pageContext(ctx, request, reply);
      return sendPage(
        reply,
        appList(page, await ctx.store.listConsumers(consumer.owner), `${consumer.name} was deleted.`),
      );
    },
  );
}

export function appChangeRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const csrf = app.csrfProtection.bind(app);
  editRoutes(app, ctx, csrf);
  rotateRoutes(app, ctx, csrf);
  statusRoutes(app, ctx, csrf);
}
