/**
 * The steps that confirm what cannot be undone: rotating an application's secret (with the choice
 * of a grace period for the old one) and deleting an application. Plain pages with a form, so that
 * they work without JavaScript; the routes act only on the POST these forms send.
 */
import type { Consumer } from 'countersign';
import { html } from '../html.js';
import { csrfField, layout, type PageContext } from './layout.js';
import { appPath } from './app-path.js';

/** The grace periods offered, in seconds, and their words. */
export const GRACE_PERIODS: readonly (readonly [seconds: number, words: string])[] = [
  [0, 'None: the old secret stops working now'],
  [3600, '1 hour'],
  [86_400, '24 hours'],
];

/** Whether any of the consumer's methods signs with the secret (RSA methods sign with a key pair). */
const usesSecret = (consumer: Consumer) => consumer.signatureMethods.some((m) => !m.startsWith('RSA-'));

export function rotateConfirm(page: PageContext, consumer: Consumer, now: number): string {
  const kept = consumer.previousSecret && consumer.previousSecret.expiresAt > now;
  return layout(
    `Rotate the secret of ${consumer.name}`,
    page,
    html`<h1>Rotate the secret of ${consumer.name}?</h1>
      <div class="card">
        <p>
          A new secret is drawn. Every client of ${consumer.name} must be given it: a request signed with the
          old one is refused once its grace period is over.
        </p>
        ${usesSecret(consumer) ? '' : html`<p class="hint">${consumer.name} signs with RSA only, and RSA signatures do not use the secret: rotating it does not change the key pair its requests are checked with.</p>`}
        ${kept ? html`<p class="hint">The secret before the current one is still accepted; rotating again retires it now.</p>` : ''}
        <form method="post" action="${appPath(consumer.key, 'rotate')}">
          ${csrfField(page)}
          <input type="hidden" name="confirm" value="rotate" />
          <fieldset>
            <legend>How long the old secret keeps working</legend>
            ${GRACE_PERIODS.map(
              ([seconds, words]) =>
                html`<div class="check">
                  <input
                    type="radio"
                    id="grace-${seconds}"
                    name="grace"
                    value="${seconds}"
                    ${seconds === 0 ? html`checked` : ''}
                  />
                  <label for="grace-${seconds}">${words}</label>
                </div>`,
            )}
          </fieldset>
          <div class="actions">
            <button type="submit" id="confirm-rotate">Rotate the secret</button>
            <a href="${appPath(consumer.key)}">Cancel</a>
          </div>
        </form>
      </div>`,
  );
}

export function deleteConfirm(page: PageContext, consumer: Consumer): string {
  return layout(
    `Delete ${consumer.name}`,
    page,
    html`<h1>Delete ${consumer.name}?</h1>
      <div class="card">
        <p>
          Its key and secret stop working at once, and every access its users granted and every token issued
          to it is deleted. This cannot be undone.
        </p>
        <form method="post" action="${appPath(consumer.key, 'delete')}">
          ${csrfField(page)}
          <input type="hidden" name="confirm" value="delete" />
          <div class="actions">
            <button type="submit" class="danger" id="confirm-delete">Delete ${consumer.name}</button>
            <a href="${appPath(consumer.key)}">Cancel</a>
          </div>
        </form>
      </div>`,
  );
}
