/**
 * LTI 1.1: `POST /lti/launch` verifies a launch from a registered LMS and shows who launched from
 * where, and `POST /lti/grade` sends the grade its page's form asks for. Both are form POSTs from
 * inside the LMS's frame, so they take no site session and no cookie CSRF token (a cross-site frame
 * sends no SameSite cookie). The launch is proven by its signature; the grade form by the launch
 * record's random id, which only the launch page holds: the grade goes to the outcome service URL and
 * sourcedid the LMS signed, kept on the server, never to anything the browser sends. These pages may
 * be framed by any site (an LMS embeds tools); every other page of the site refuses framing.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WireResponse } from 'countersign';
import { fromFastifyRequest } from 'countersign/fastify';
import { type Launch, launchRefusal, OutcomeError, OutcomesClient, verifyLaunch } from 'countersign/lti';
import type { ServerContext } from '../context.js';
import { sendPage } from '../context.js';
import { gradePage, launchPage } from '../views/lti.js';

/** The most a launch or grade body may be: the adapters' `bodyLimit`, 1 MiB. */
const BODY_LIMIT = 1024 * 1024;

/** How long a launch page may send a grade: a class period and then some. */
const GRADE_FORM_LIFETIME_MS = 2 * 60 * 60 * 1000;

/** What the LTI pages' answers carry, unless the answer set its own (a problem page does). */
const HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors *",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

const hashOf = (id: string) => createHash('sha256').update(id).digest('hex');

function send(reply: FastifyReply, wire: WireResponse): FastifyReply {
  return reply.code(wire.status).headers(wire.headers).send(wire.body);
}

/** Keeps the launch's outcome service for its grade form; returns the form's id, if it has one. */
async function recordOutcome(ctx: ServerContext, launch: Launch): Promise<string | undefined> {
  if (!launch.outcome) return undefined;
  const id = Buffer.from(ctx.randomBytes(32)).toString('base64url');
  const now = ctx.clock();
  await ctx.data.createLaunchRecord({
    idHash: hashOf(id),
    consumerKey: launch.consumer.key,
    serviceUrl: launch.outcome.serviceUrl,
    sourcedid: launch.outcome.sourcedid,
    createdAt: now,
    expiresAt: now + GRADE_FORM_LIFETIME_MS,
  });
  return id;
}

/** The grade form's fields, each sent once, from a form body. */
function gradeFields(request: FastifyRequest): { launch: string; score: string } | undefined {
  const type = String(request.headers['content-type'] ?? '')
    .split(';')[0]
    ?.trim()
    .toLowerCase();
  if (type !== 'application/x-www-form-urlencoded' || !Buffer.isBuffer(request.body)) return undefined;
  const form = new URLSearchParams(request.body.toString('utf8'));
  const launch = form.getAll('launch');
  const score = form.getAll('score');
  if (launch.length !== 1 || score.length !== 1) return undefined;
  return { launch: launch[0] ?? '', score: (score[0] ?? '').trim() };
}

async function grade(ctx: ServerContext, request: FastifyRequest, reply: FastifyReply) {
  const refuse = (status: number, why: string) => sendPage(reply, gradePage({ sent: false, why }), status);
  const fields = gradeFields(request);
  if (!fields || !/^[A-Za-z0-9_-]{43}$/.test(fields.launch))
    return refuse(400, 'This form must be sent from the launch page, with a score.');
  const record = await ctx.data.getLaunchRecord(hashOf(fields.launch));
  if (!record || record.expiresAt <= ctx.clock())
    return refuse(410, 'This launch’s grade form has expired; launch the tool again from the LMS.');
  const lms = await ctx.store.getConsumer(record.consumerKey);
  if (!lms?.lti || lms.status !== 'active')
    return refuse(403, 'The LMS that made this launch is no longer registered here, or is suspended.');
  if (!/^(?:0|1)?(?:\.\d{1,6})?$/.test(fields.score) || fields.score === '' || fields.score === '.')
    return refuse(400, 'Send a score from 0.0 to 1.0, such as 0.85.');
  try {
    const outcomes = new OutcomesClient({ key: lms.key, secret: lms.secret, timeout: 10_000 });
    await outcomes.replaceResult(
      { serviceUrl: record.serviceUrl, sourcedid: record.sourcedid },
      Number(fields.score),
    );
  } catch (error) {
    if (!(error instanceof OutcomeError)) throw error;
    return refuse(
      error.code === 'invalid_outcome' ? 400 : 502,
      `The grade was not recorded: ${error.message}.`,
    );
  }
  return sendPage(reply, gradePage({ sent: true, score: fields.score, lms: lms.name }));
}

export function ltiRoutes(app: FastifyInstance, ctx: ServerContext): void {
  // Bodies stay raw: the launch's signature covers the exact bytes of its form.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_request, body, done) =>
    done(null, body),
  );
  app.addHook('onSend', async (_request, reply) => {
    for (const [name, value] of Object.entries(HEADERS))
      if (!reply.hasHeader(name)) reply.header(name, value);
  });
  // Every method reaches the engine, which answers a GET (a bookmarked launch) with method_not_allowed.
  app.all('/lti/launch', async (request, reply) => {
    const oauthRequest = fromFastifyRequest(request);
    let launch: Launch;
    try {
      launch = await verifyLaunch(ctx.provider, oauthRequest);
    } catch (error) {
      return send(reply, launchRefusal(ctx.provider, error, oauthRequest));
    }
    return sendPage(reply, launchPage(launch, await recordOutcome(ctx, launch)));
  });
  app.post('/lti/grade', (request, reply) => grade(ctx, request, reply));
}
