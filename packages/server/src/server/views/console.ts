/** The developer console: the list of apps, and the settings form that registers or edits one. */
import { type Consumer, SIGNATURE_METHOD_NAMES } from 'countersign';
import { type Html, html } from '../html.js';
import { csrfField, layout, type PageContext } from './layout.js';
import { appPath } from './app-path.js';
import { KNOWN_SCOPES, scopeWords } from './scopes.js';

export { appPath };

export function appList(page: PageContext, consumers: readonly Consumer[], notice?: string): string {
  return layout(
    'Console',
    page,
    html`<h1>Your applications</h1>
      <p>
        <a href="/console/new">Register an application</a> ·
        <a href="/console/new-lms">Register an LMS (LTI 1.1)</a>
      </p>
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
                      <td><a href="${appPath(c.key)}">${c.name}</a></td>
                      <td><span class="badge ${c.status}">${c.status}</span></td>
                      <td class="optional mono">
                        ${c.lti ? html`<span class="hint">LTI consumer (launches)</span>` : c.callback}
                      </td>
                    </tr>`,
                )}
              </tbody>
            </table>`
      }`,
    notice,
  );
}

/** The settings form as sent (or as stored, for the edit page): each field one string, checkboxes lists. */
export interface SettingsForm {
  name?: string;
  description?: string;
  callback?: string;
  scopes?: readonly string[];
  methods?: readonly string[];
  two_legged?: string;
  rsa_public_key?: string;
}

/** A consumer's settings as the form shows them. */
export function settingsOf(consumer: Consumer): SettingsForm {
  return {
    name: consumer.name,
    description: consumer.description ?? '',
    callback: consumer.callback,
    scopes: consumer.scopes,
    methods: consumer.signatureMethods,
    two_legged: consumer.twoLegged ? 'on' : '',
    rsa_public_key: consumer.rsaPublicKey ?? '',
  };
}

function checkboxes(
  name: string,
  options: readonly string[],
  checked: readonly string[],
  words: (o: string) => Html | string,
) {
  return options.map(
    (option, i) =>
      html`<div class="check">
        <input
          type="checkbox"
          id="${name}-${i}"
          name="${name}"
          value="${option}"
          ${checked.includes(option) ? html`checked` : ''}
        />
        <label for="${name}-${i}">${words(option)}</label>
      </div>`,
  );
}

/** The fields both the registration and the edit form have. */
function settingsFields(form: SettingsForm): Html {
  const scopes = form.scopes ?? [];
  const methods = form.methods ?? [];
  // A scope given another way (the command line) is kept on the form, so that saving keeps it.
  const scopeOptions = [...new Set([...KNOWN_SCOPES, ...scopes])];
  return html`<label for="name">Name <span class="hint">shown to users on the consent page</span></label>
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
      ${checkboxes('scopes', scopeOptions, scopes, (s) => html`<code>${s}</code> ${scopeWords(s)}`)}
    </fieldset>
    <fieldset>
      <legend>Signature methods</legend>
      ${checkboxes('methods', SIGNATURE_METHOD_NAMES, methods, (m) => m)}
    </fieldset>
    <div class="check">
      <input
        type="checkbox"
        id="two_legged"
        name="two_legged"
        value="on"
        ${form.two_legged ? html`checked` : ''}
      />
      <label for="two_legged">Allow two-legged (consumer-only) requests</label>
    </div>
    <label for="rsa_public_key"
      >RSA public key <span class="hint">PEM, for RSA-SHA1 / RSA-SHA256</span></label
    >
    <textarea id="rsa_public_key" name="rsa_public_key">${form.rsa_public_key ?? ''}</textarea>`;
}

function errorLine(error: string | undefined): Html | '' {
  return error ? html`<p class="error" role="alert">${error}</p>` : '';
}

export function registerForm(page: PageContext, form?: SettingsForm, error?: string): string {
  return layout(
    'Register an application',
    page,
    html`<h1>Register an application</h1>
      <div class="card">
        ${errorLine(error)}
        <form method="post" action="/console/apps">
          ${csrfField(page)} ${settingsFields(form ?? { scopes: ['read_public'], methods: ['HMAC-SHA1'] })}
          <div class="actions"><button type="submit">Register</button> <a href="/console">Cancel</a></div>
        </form>
      </div>`,
  );
}

/** The edit page: the consumer's settings, or what was sent when they were refused. */
export function editForm(page: PageContext, consumer: Consumer, form?: SettingsForm, error?: string): string {
  return layout(
    `Edit ${consumer.name}`,
    page,
    html`<h1>Edit ${consumer.name}</h1>
      <div class="card">
        ${errorLine(error)}
        <form method="post" action="${appPath(consumer.key, 'edit')}">
          ${csrfField(page)} ${settingsFields(form ?? settingsOf(consumer))}
          <div class="actions">
            <button type="submit">Save</button> <a href="${appPath(consumer.key)}">Cancel</a>
          </div>
        </form>
      </div>`,
  );
}
