/**
 * The sample protected API: `GET /api/v1/me` (read_public), `GET /api/v1/notes` (read_private),
 * `POST /api/v1/notes` (write_private, form or JSON body; a JSON body must carry `oauth_body_hash`),
 * `DELETE /api/v1/notes/:id` (write_private).
 * Registered in a context whose parser keeps bodies raw (app.ts), so signatures cover them exactly.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyAdapter } from 'countersign/fastify';
import { OAuthProblem, type VerifiedRequest } from 'countersign';
import type { ServerContext } from '../context.js';

const MAX_NOTE = 1000;

/** The user behind a request; a consumer-only request has none, and these resources are a user's. */
function userOf(verified: VerifiedRequest | null): string {
  if (verified?.user === undefined) {
    throw new OAuthProblem('consumer_key_invalid', {
      advice:
        "This resource belongs to a user: send the user's oauth_token (a two-legged request cannot use it).",
    });
  }
  return verified.user;
}

function noteText(request: FastifyRequest): string | undefined {
  const type = String(request.headers['content-type'] ?? '')
    .split(';')[0]
    ?.trim();
  if (type === 'application/json') {
    try {
      const parsed = JSON.parse(Buffer.from(request.body as Buffer).toString('utf8')) as { text?: unknown };
      return typeof parsed.text === 'string' ? parsed.text : undefined;
    } catch {
      return undefined;
    }
  }
  return request.oauth?.parameters.find((p) => p.name === 'text')?.value;
}

export function apiRoutes(app: FastifyInstance, ctx: ServerContext, oauth: FastifyAdapter): void {
  const withUser = (
    handler: (user: string, request: FastifyRequest, reply: FastifyReply) => Promise<unknown>,
  ) => {
    return async (request: FastifyRequest, reply: FastifyReply) => {
      let user: string;
      try {
        user = userOf(request.oauth);
      } catch (problem) {
        return oauth.refuse(request, reply, problem);
      }
      return handler(user, request, reply);
    };
  };

  app.get('/api/v1/me', { preHandler: oauth.protect({ scope: 'read_public' }) }, (request) => {
    const verified = request.oauth as VerifiedRequest;
    return {
      user: verified.user ?? null,
      application: verified.consumer.name,
      scopes: verified.scopes,
      two_legged: verified.twoLegged,
    };
  });

  app.get(
    '/api/v1/notes',
    { preHandler: oauth.protect({ scope: 'read_private' }) },
    withUser(async (user) => ({ notes: await ctx.data.listNotes(user) })),
  );

  app.post(
    '/api/v1/notes',
    { preHandler: oauth.protect({ scope: 'write_private', bodyHash: 'required' }) },
    withUser(async (user, request, reply) => {
      const text = noteText(request)?.trim();
      if (!text || text.length > MAX_NOTE) {
        return reply
          .code(400)
          .send({ error: `Send text: 1 to ${MAX_NOTE} characters, as a form field or a JSON property.` });
      }
      return reply.code(201).send(await ctx.data.addNote(user, text, ctx.clock()));
    }),
  );

  app.delete<{ Params: { id: string } }>(
    '/api/v1/notes/:id',
    { preHandler: oauth.protect({ scope: 'write_private', bodyHash: 'required' }) },
    withUser(async (user, request, reply) => {
      const id = Number((request.params as { id: string }).id);
      const deleted = Number.isInteger(id) && (await ctx.data.deleteNote(user, id));
      return deleted ? reply.code(204).send() : reply.code(404).send({ error: 'No such note.' });
    }),
  );
}
