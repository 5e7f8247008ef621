/**
 * One application's console page: its credentials (the key, the secret only when its owner asks to
 * see it, and the previous secret's grace period), its settings, its status, the signature doctor,
 * and its recent problems.
 */
import type { Consumer } from 'countersign';
import type { ProblemEvent } from '../../data/server-data.js';
import { type Html, html } from '../html.js';
import { utcMinute } from '../problem-recorder.js';
import type { DoctorResult } from '../signature-doctor.js';
import { doctorSection } from './doctor.js';
import { csrfField, layout, type PageContext } from './layout.js';
import { problemLog } from './problem-log.js';
import { appPath } from './app-path.js';
import { canvasConfiguration } from './lti-config.js';

/** What the page shows besides the application itself. */
export interface AppPageOptions {
  readonly notice?: string | undefined;
  /** Whether the secret is in the page (its owner asked to see it, with a POST). */
  readonly showSecret?: boolean | undefined;
  /** The doctor's last answer, and the base string it was given. */
  readonly doctor?: { readonly baseString: string; readonly result: DoctorResult } | undefined;
  /** The clock, to tell whether the previous secret is still accepted. */
  readonly now: number;
  /** The site's origin, for the launch URL an LMS administrator pastes. */
  readonly origin?: string | undefined;
}

function action(page: PageContext, consumer: Consumer, name: string, label: string, style = 'secondary') {
  return html`<form method="post" action="${appPath(consumer.key, name)}" class="inline">
    ${csrfField(page)}<button class="${style}">${label}</button>
  </form>`;
}

/** A copy button for the element `id`, shown by /static/console.js where the clipboard can be written. */
function copyButton(id: string, what: string): Html {
  return html`<button type="button" class="secondary small" data-copy="${id}" hidden>
    Copy the ${what}
  </button>`;
}

function secretField(page: PageContext, consumer: Consumer, showSecret: boolean): Html {
  if (showSecret)
    return html`<div class="copyable">
      <code id="consumer-secret">${consumer.secret}</code>${copyButton('consumer-secret', 'secret')}
    </div>`;
  return html`<form method="post" action="${appPath(consumer.key, 'secret')}" class="inline">
    ${csrfField(page)}<button class="secondary" id="reveal-secret">Reveal the secret</button>
  </form>`;
}

function previousSecretField(page: PageContext, consumer: Consumer, now: number): Html | '' {
  const previous = consumer.previousSecret;
  if (!previous || previous.expiresAt <= now) return '';
  return html`<dt>Previous secret</dt>
    <dd id="previous-secret">
      Still accepted until <strong>${utcMinute(previous.expiresAt)}</strong>, so that clients can move to the
      new one; each request it signs is noted under Recent problems.
      ${action(page, consumer, 'end-previous-secret', 'Stop accepting it now')}
    </dd>`;
}

function credentials(page: PageContext, consumer: Consumer, options: AppPageOptions): Html {
  return html`<section class="card" aria-labelledby="credentials-heading">
    <h2 id="credentials-heading">Credentials</h2>
    <dl class="facts">
      <dt>Consumer key</dt>
      <dd class="copyable">
        <code id="consumer-key">${consumer.key}</code>${copyButton('consumer-key', 'key')}
      </dd>
      <dt>Consumer secret</dt>
      <dd>${secretField(page, consumer, options.showSecret ?? false)}</dd>
      ${previousSecretField(page, consumer, options.now)}
    </dl>
    <p class="copy-status hint" role="status" aria-live="polite"></p>
    <div class="actions">
      <a class="button secondary" href="${appPath(consumer.key, 'rotate')}" id="rotate">Rotate the secret…</a>
    </div>
  </section>`;
}

/** What an LMS administrator pastes: the launch URL beside the key and secret, and Canvas's XML. */
function ltiSettings(consumer: Consumer, origin: string): Html {
  const launchUrl = `${origin}/lti/launch`;
  return html`<section class="card" aria-labelledby="settings-heading">
    <h2 id="settings-heading">LTI 1.1 tool consumer</h2>
    <p>An LMS: it sends launches, and nothing else.</p>
    <dl class="facts">
      <dt>Launch URL</dt>
      <dd><code id="launch-url">${launchUrl}</code></dd>
      <dt>Signature methods</dt>
      <dd>${consumer.signatureMethods.join(', ')}</dd>
    </dl>
    <details id="lms-setup">
      <summary>Adding the tool in the LMS</summary>
      <p>
        <strong>Moodle</strong> (Site administration › Plugins › External tool › Manage tools, “configure a
        tool manually”): Tool URL is the launch URL, Consumer key and Shared secret are the key and secret
        above; tick “Accept grades from the tool” to let the tool send grades.
      </p>
      <p>
        <strong>Canvas</strong> (Settings › Apps › + App, configuration type “Paste XML”): the key and secret
        above, and this XML:
      </p>
      <pre class="mono" id="canvas-xml">${canvasConfiguration(consumer.name, launchUrl)}</pre>
    </details>
  </section>`;
}

function settings(consumer: Consumer): Html {
  return html`<section class="card" aria-labelledby="settings-heading">
    <h2 id="settings-heading">Settings</h2>
    <dl class="facts">
      <dt>Callback</dt>
      <dd><code>${consumer.callback}</code></dd>
      <dt>Scopes</dt>
      <dd>${consumer.scopes.length ? consumer.scopes.join(', ') : 'none'}</dd>
      <dt>Signature methods</dt>
      <dd>${consumer.signatureMethods.join(', ')}</dd>
      <dt>Two-legged requests</dt>
      <dd>${consumer.twoLegged ? 'allowed' : 'not allowed'}</dd>
      <dt>RSA public key</dt>
      <dd>${consumer.rsaPublicKey === undefined ? 'none' : 'registered'}</dd>
    </dl>
    <div class="actions">
      <a class="button secondary" href="${appPath(consumer.key, 'edit')}" id="edit">Edit the settings</a>
    </div>
  </section>`;
}

function status(page: PageContext, consumer: Consumer): Html {
  return html`<section class="card" aria-labelledby="status-heading">
    <h2 id="status-heading">Status</h2>
    <p>
      ${consumer.status === 'active' ? 'Active: its requests are served.' : ''}
      ${consumer.status === 'suspended' ? 'Suspended: its requests get consumer_key_refused until it is resumed.' : ''}
      ${consumer.status === 'disabled' ? 'Disabled for good: its requests get consumer_key_rejected.' : ''}
    </p>
    <div class="actions">
      ${consumer.status === 'active' ? action(page, consumer, 'suspend', 'Suspend') : ''}
      ${consumer.status === 'suspended' ? action(page, consumer, 'resume', 'Resume') : ''}
      <a class="button danger" href="${appPath(consumer.key, 'delete')}" id="delete">Delete…</a>
    </div>
  </section>`;
}

export function appPage(
  page: PageContext,
  consumer: Consumer,
  problems: readonly ProblemEvent[],
  options: AppPageOptions,
): string {
  return layout(
    consumer.name,
    page,
    html`<h1>${consumer.name} <span class="badge ${consumer.status}">${consumer.status}</span></h1>
      ${consumer.description ? html`<p>${consumer.description}</p>` : ''}
      ${credentials(page, consumer, options)}
      ${consumer.lti === true ? ltiSettings(consumer, options.origin ?? '') : settings(consumer)}
      ${status(page, consumer)} ${doctorSection(page, consumer, options.doctor, options.doctor?.result)}
      <section aria-labelledby="problems-heading">
        <h2 id="problems-heading">Recent problems</h2>
        ${problemLog(problems)}
      </section>
      <p><a href="/console">All applications</a></p>`,
    options.notice,
    { script: true },
  );
}
