/** The connections page: the applications a user authorized, and revoking them. */
import type { FastifyInstance } from 'fastify';
import { formField } from '../form-fields.js';
import { html } from '../html.js';
import { pageContext, requireUser, type ServerContext, sendPage } from '../context.js';
import { csrfField, layout } from '../views/layout.js';
import { scopeWords } from '../views/scopes.js';

const when = (ms: number | undefined) =>
  ms === undefined ? 'never' : new Date(ms).toISOString().replace('T', ' ').slice(0, 16);

/**
 * The connections routes; `connectionId` names a grant in the page (see connection-ids.ts).
 */
export function connectionRoutes(
  app: FastifyInstance,
  ctx: ServerContext,
  connectionId: (accessToken: string) => string,
): void {
  app.get<{ Querystring: { done?: string } }>('/connections', async (request, reply) => {
    const user = await requireUser(ctx, request, reply);
    if (!user) return reply;
    const page = pageContext(ctx, request, reply);
    const tokens = (await ctx.store.listAccessTokens(user)).filter((t) => t.revokedAt === undefined);
    const rows = await Promise.all(
      tokens.map(async (t) => ({ token: t, consumer: await ctx.store.getConsumer(t.consumerKey) })),
    );
    const body = html`<h1>Connections</h1>
      <p>Applications you have allowed to use your account.</p>
      ${
        rows.length === 0
          ? html`<p class="card">None.</p>`
          : html`<table id="connections">
              <thead>
                <tr>
                  <th>Application</th>
                  <th>Access</th>
                  <th class="optional">Granted</th>
                  <th class="optional">Last used</th>
                  <th></th>
                </tr>
              </thead>
              <tbody>
                ${rows.map(
                  ({ token, consumer }) =>
                    html`<tr>
                      <td>${consumer?.name ?? 'Deleted application'}</td>
                      <td>
                        ${token.scopes.length ? token.scopes.map((s) => html`${scopeWords(s)}<br />`) : 'No data'}
                      </td>
                      <td class="optional">${when(token.createdAt)}</td>
                      <td class="optional">${when(token.lastUsedAt)}</td>
                      <td>
                        <form method="post" action="/connections/revoke">
                          ${csrfField(page)}<input
                            type="hidden"
                            name="connection"
                            value="${connectionId(token.token)}"
                          />
                          <button class="danger">Revoke</button>
                        </form>
                      </td>
                    </tr>`,
                )}
              </tbody>
            </table>`
      }`;
    return sendPage(reply, layout('Connections', page, body, request.query.done));
  });

  app.post('/connections/revoke', { preHandler: app.csrfProtection.bind(app) }, async (request, reply) => {
    const user = await requireUser(ctx, request, reply);
    if (!user) return reply;
    // The grant is looked up among this user's own, so an id can only ever revoke one of them.
    const id = formField(request, 'connection');
    const token = (await ctx.store.listAccessTokens(user)).find((t) => connectionId(t.token) === id);
    // A grant deleted meanwhile (its application was) is as revoked as can be: the answer is the same.
    if (token) await ctx.provider.revokeAccessToken(token.token);
    return reply.redirect(`/connections?done=${encodeURIComponent('Access revoked.')}`, 303);
  });
}
