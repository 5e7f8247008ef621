/** The signature doctor's route: what was pasted, examined for the user's own application. */
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';
import { formField } from '../form-fields.js';
import { DOCTOR_FIELD_LIMIT, examine } from '../signature-doctor.js';
import { ownApp, sendAppPage } from './own-app.js';

export function doctorRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post<{ Params: { key: string } }>(
    '/console/apps/:key/doctor',
    { preHandler: app.csrfProtection.bind(app) },
    async (request, reply) => {
      const consumer = await ownApp(ctx, request, reply);
      if (!consumer) return reply;
      const input = { request: formField(request, 'request'), baseString: formField(request, 'base_string') };
      const problems = await ctx.data.listProblems(consumer.key);
      const result = await examine(ctx.provider, consumer, problems, input, request.protocol === 'https');
      // The pasted request is not put back in the page: it may carry a PLAINTEXT signature.
      const baseString = input.baseString.length > DOCTOR_FIELD_LIMIT ? '' : input.baseString;
      return sendAppPage(ctx, request, reply, consumer, { doctor: { baseString, result } });
    },
  );
}
