/** The developer console: the list of apps, the registration form, and one app's page. */
import { type Consumer, SIGNATURE_METHOD_NAMES } from 'countersign';
import type { ProblemEvent } from '../../data/server-data.js';
import { type Html, html } from '../html.js';
import { csrfField, layout, type PageContext } from './layout.js';
import { KNOWN_SCOPES, scopeWords } from './scopes.js';

export function appList(page: PageContext, consumers: readonly Consumer[], notice?: string): string {
  return layout(
    'Console',
    page,
    html`<h1>Your applications</h1>
      <p><a href="/console/new">Register an application</a></p>
      ${
        consumers.length === 0
          ? html`<p class="card">No applications yet. Register one to get a consumer key and secret.</p>`
          : html`<table>
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Status</th>
                  <th class="optional">Callback</th>
                </tr>
              </thead>
              <tbody>
                ${consumers.map(
                  (c) =>
                    html`<tr>
                      <td><a href="/console/apps/${c.key}">${c.name}</a></td>
                      <td><span class="badge ${c.status}">${c.status}</span></td>
                      <td class="optional mono">${c.callback}</td>
                    </tr>`,
                )}
              </tbody>
            </table>`
      }`,
    notice,
  );
}

export interface RegistrationForm {
  name?: string;
  description?: string;
  callback?: string;
  scopes?: string | string[];
  methods?: string | string[];
  two_legged?: string;
  rsa_public_key?: string;
}

const asList = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export function registerForm(page: PageContext, form: RegistrationForm = {}, error?: string): string {
  const scopes = form.name === undefined ? ['read_public'] : asList(form.scopes);
  const methods = form.name === undefined ? ['HMAC-SHA1'] : asList(form.methods);
  return layout(
    'Register an application',
    page,
    html`<h1>Register an application</h1>
      <div class="card">
        ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
        <form method="post" action="/console/apps">
          ${csrfField(page)}
          <label for="name">Name <span class="hint">shown to users on the consent page</span></label>
          <input type="text" id="name" name="name" value="${form.name ?? ''}" required maxlength="100" />
          <label for="description">Description</label>
          <input
            type="text"
            id="description"
            name="description"
            value="${form.description ?? ''}"
            maxlength="300"
          />
          <label for="callback"
            >Callback <span class="hint">oob, or the URL every oauth_callback must start with</span></label
          >
          <input
            type="text"
            id="callback"
            name="callback"
            value="${form.callback ?? ''}"
            placeholder="https://app.example/oauth/callback"
            required
          />
          <fieldset>
            <legend>Scopes it may request</legend>
            ${KNOWN_SCOPES.map((s) => html`<label><input type="checkbox" name="scopes" value="${s}" ${scopes.includes(s) ? html`checked` : ''} /> <code>${s}</code> ${scopeWords(s)}</label>`)}
          </fieldset>
          <fieldset>
            <legend>Signature methods</legend>
            ${SIGNATURE_METHOD_NAMES.map((m) => html`<label><input type="checkbox" name="methods" value="${m}" ${methods.includes(m) ? html`checked` : ''} /> ${m}</label>`)}
          </fieldset>
          <label
            ><input type="checkbox" name="two_legged" value="on" ${form.two_legged ? html`checked` : ''} />
            Allow two-legged (consumer-only) requests</label
          >
          <label for="rsa_public_key"
            >RSA public key <span class="hint">PEM, for RSA-SHA1 / RSA-SHA256</span></label
          >
          <textarea id="rsa_public_key" name="rsa_public_key">${form.rsa_public_key ?? ''}</textarea>
          <div class="actions"><button type="submit">Register</button> <a href="/console">Cancel</a></div>
        </form>
      </div>`,
  );
}

function action(page: PageContext, consumer: Consumer, name: string, label: string, style = 'secondary') {
  return html`<form method="post" action="/console/apps/${consumer.key}/${name}" class="inline">
    ${csrfField(page)}<button class="${style}">${label}</button>
  </form>`;
}

/** The row saying how many refusals after an event were only counted (the log's rate limit). */
function unrecordedRow(event: ProblemEvent): Html | '' {
  if (!event.unrecorded) return '';
  const requests = event.unrecorded === 1 ? 'refused request' : 'refused requests';
  return html`<tr class="unrecorded">
    <td colspan="3" class="hint">${event.unrecorded} more ${requests} not recorded</td>
  </tr>`;
}

/**
 * One application's page. The secret is in the HTML only when its owner asked to see it (a POST, so
 * that it never sits in a cached or prefetched GET); otherwise the page offers to reveal it.
 */
export function appPage(
  page: PageContext,
  consumer: Consumer,
  problems: readonly ProblemEvent[],
  notice?: string,
  showSecret = false,
): string {
  return layout(
    consumer.name,
    page,
    html`<h1>${consumer.name} <span class="badge ${consumer.status}">${consumer.status}</span></h1>
      <div class="card">
        <p>${consumer.description ?? ''}</p>
        <label>Consumer key</label><code id="consumer-key">${consumer.key}</code>
        <label>Consumer secret</label>
        ${
          showSecret
            ? html`<code id="consumer-secret">${consumer.secret}</code>`
            : html`<form method="post" action="/console/apps/${consumer.key}/secret" class="inline">
                ${csrfField(page)}<button class="secondary" id="reveal-secret">Reveal the secret</button>
              </form>`
        }
        <label>Callback</label><code>${consumer.callback}</code> <label>Scopes</label>
        <p>${consumer.scopes.length ? consumer.scopes.join(', ') : 'none'}</p>
        <label>Signature methods</label>
        <p>${consumer.signatureMethods.join(', ')}</p>
        <label>Two-legged requests</label>
        <p>${consumer.twoLegged ? 'allowed' : 'not allowed'}</p>
        <div class="actions">
          ${action(page, consumer, 'rotate', 'Rotate the secret')}
          ${consumer.status === 'active' ? action(page, consumer, 'suspend', 'Suspend') : ''}
          ${consumer.status === 'suspended' ? action(page, consumer, 'resume', 'Resume') : ''}
          ${action(page, consumer, 'delete', 'Delete', 'danger')}
        </div>
      </div>
      <h2>Recent problems</h2>
      ${
        problems.length === 0
          ? html`<p>No refused requests yet.</p>`
          : html`<table id="problems">
              <thead>
                <tr>
                  <th>Time (UTC)</th>
                  <th>Endpoint</th>
                  <th>Problem</th>
                </tr>
              </thead>
              <tbody>
                ${problems.map(
                  (p) =>
                    html`<tr>
                        <td class="mono when">
                          ${new Date(p.at).toISOString().replace('T', ' ').slice(0, 19)}
                        </td>
                        <td>${p.endpoint}</td>
                        <td>
                          <strong>${p.problem}</strong><br /><span class="hint">${p.advice}</span>
                          ${p.baseString === undefined ? '' : html`<br />Base string the server computed:<br /><code class="base-string">${p.baseString}</code>`}
                        </td>
                      </tr>
                      ${unrecordedRow(p)}`,
                )}
              </tbody>
            </table>`
      }
      <p><a href="/console">All applications</a></p>`,
    notice,
  );
}
