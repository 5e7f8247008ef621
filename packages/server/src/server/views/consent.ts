/** The consent page, the out-of-band PIN page, and the page for a request token that cannot be decided. */
import type { AuthorizationRequest } from 'countersign';
import { html } from '../html.js';
import { csrfField, layout, type PageContext } from './layout.js';
import { scopeWords } from './scopes.js';

export function consentPage(page: PageContext, request: AuthorizationRequest): string {
  const { consumer, scopes, callbackHost, requestToken } = request;
  return layout(
    `Authorize ${consumer.name}`,
    page,
    html`<h1>Allow <strong>${consumer.name}</strong> to use your account?</h1>
      <div class="card">
        <p>
          <strong>${consumer.name}</strong>, registered by
          <strong>${consumer.owner}</strong>${consumer.description ? html` — ${consumer.description}` : ''},
          asks to:
        </p>
        <form method="post" action="/oauth/authorize">
          ${csrfField(page)}
          <input type="hidden" name="oauth_token" value="${requestToken.token}" />
          ${
            scopes.length === 0
              ? html`<p>Make requests without access to your data.</p>`
              : html`<ul class="scopes">
                  ${scopes.map(
                    (s, i) =>
                      html`<li class="check">
                        <input type="checkbox" id="scope-${i}" name="scopes" value="${s}" checked />
                        <label for="scope-${i}">${scopeWords(s)} <code>${s}</code></label>
                      </li>`,
                  )}
                </ul>`
          }
          <p class="hint">
            ${callbackHost === 'oob' ? 'You will be shown a code to type into the application.' : html`You will be sent back to <strong>${callbackHost}</strong>.`}
          </p>
          <p class="hint">
            Signed in as ${page.user}. You can revoke access at any time on the Connections page.
          </p>
          <div class="actions">
            <button type="submit" name="decision" value="approve" id="approve">Allow</button>
            <button type="submit" name="decision" value="deny" id="deny" class="secondary">Deny</button>
          </div>
        </form>
      </div>`,
  );
}

export function pinPage(page: PageContext, consumerName: string, pin: string): string {
  return layout(
    'Your code',
    page,
    html`<h1>Access allowed</h1>
      <div class="card">
        <p>Type this code into <strong>${consumerName}</strong> to finish:</p>
        <p class="pin" id="pin">${pin}</p>
        <p class="hint">It works once, within a few minutes.</p>
      </div>`,
  );
}

export function deniedPage(page: PageContext, consumerName: string): string {
  return layout(
    'Access denied',
    page,
    html`<h1>Access denied</h1>
      <p class="card">${consumerName} was not given access.</p>`,
  );
}

export function undecidablePage(page: PageContext, problem: string, advice: string): string {
  return layout(
    'Cannot authorize',
    page,
    html`<h1>This authorization request cannot be completed</h1>
      <div class="card">
        <p class="error"><code>${problem}</code>: ${advice}</p>
        <p>Go back to the application and start again.</p>
      </div>`,
  );
}
