/**
 * The pages an LMS shows in its frame: the launch page (who launched, from which course and link,
 * and a grade form when the launch carries an outcome service), and the answer to a grade. They
 * have no site navigation: the user is inside the LMS, not signed in here.
 */
import type { Launch, LtiRole } from 'countersign/lti';
import { type Html, html } from '../html.js';

function toolLayout(title: string, body: Html): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · Countersign</title>
        <link rel="stylesheet" href="/static/style.css" />
      </head>
      <body>
        <main>${body}</main>
      </body>
    </html>`.value;
}

function roleText(role: LtiRole): string {
  const sub = role.subRole ? ` (${role.subRole})` : '';
  return role.scope === undefined || role.scope === 'context'
    ? `${role.name}${sub}`
    : `${role.name}${sub}, ${role.scope}`;
}

/** A return URL the page may link to: http(s) only, so that a `javascript:` one never becomes a link. */
function backLink(launch: Launch): Html | '' {
  const url = launch.presentation.returnUrl;
  if (url === undefined || !/^https?:\/\//i.test(url)) return '';
  return html`<p><a href="${url}" id="return">Back to ${launch.consumer.name}</a></p>`;
}

function gradeForm(gradeId: string): Html {
  return html`<div class="card">
    <h2>Send a grade</h2>
    <form method="post" action="/lti/grade" id="grade-form">
      <input type="hidden" name="launch" value="${gradeId}" />
      <label for="score">Score <span class="hint">from 0.0 to 1.0</span></label>
      <input type="number" id="score" name="score" min="0" max="1" step="0.01" required />
      <div class="actions"><button type="submit">Send to the LMS</button></div>
    </form>
  </div>`;
}

/** The launch page; `gradeId` is the id of the launch record its grade form sends, when there is one. */
export function launchPage(launch: Launch, gradeId: string | undefined): string {
  const who = launch.person.fullName ?? launch.person.givenName ?? launch.userId ?? 'an anonymous user';
  const title = launch.resourceLink?.title ?? 'Launch verified';
  return toolLayout(
    title,
    html`<h1>${title}</h1>
      <div class="card" id="launch">
        <p>Verified LTI launch from <strong id="lms">${launch.consumer.name}</strong>.</p>
        <label>Launched by</label>
        <p id="who">
          ${who}${launch.userId ? html` <span class="hint">user id <code>${launch.userId}</code></span>` : ''}
        </p>
        <label>Roles</label>
        <p id="roles">${launch.roles.length ? launch.roles.map(roleText).join(', ') : 'none sent'}</p>
        <label>Context</label>
        <p id="context">
          ${
            launch.context
              ? html`${launch.context.title ?? launch.context.id}
                  ${launch.context.label ? html`(${launch.context.label})` : ''}
                  <span class="hint">id <code>${launch.context.id}</code></span>`
              : 'none sent'
          }
        </p>
        <label>Resource link</label>
        <p id="resource-link">
          ${
            launch.resourceLink
              ? html`${launch.resourceLink.title ?? ''}
                  <span class="hint">id <code>${launch.resourceLink.id}</code></span>`
              : 'none (a Content-Item selection request)'
          }
        </p>
        <label>Message</label>
        <p><code>${launch.messageType}</code> <code>${launch.version}</code></p>
      </div>
      ${gradeId === undefined ? html`<p class="hint">This launch carries no outcome service, so no grade can be sent for it.</p>` : gradeForm(gradeId)}
      ${backLink(launch)}`,
  );
}

/** The answer to a grade: sent, or why not. */
export function gradePage(
  outcome: { sent: true; score: string; lms: string } | { sent: false; why: string },
): string {
  return toolLayout(
    outcome.sent ? 'Grade sent' : 'Grade not sent',
    outcome.sent
      ? html`<h1>Grade sent</h1>
          <p class="notice" role="status" id="grade-result">
            ${outcome.lms} recorded the score ${outcome.score}.
          </p>`
      : html`<h1>Grade not sent</h1>
          <p class="error" role="alert" id="grade-result">${outcome.why}</p>`,
  );
}
