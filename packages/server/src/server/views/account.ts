/** The account page: who is signed in, and the form to change the password. */
import { html } from '../html.js';
import { csrfField, layout, type PageContext } from './layout.js';

export function accountPage(page: PageContext, error?: string, notice?: string): string {
  return layout(
    'Account',
    page,
    html`<h1>Account</h1>
      <p>Signed in as <strong>${page.user}</strong>.</p>
      <h2>Change the password</h2>
      <div class="card">
        ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
        <form method="post" action="/account/password">
          ${csrfField(page)}
          <label for="current">Current password</label>
          <input type="password" id="current" name="current" autocomplete="current-password" required />
          <label for="password">New password <span class="hint">at least 8 characters</span></label>
          <input type="password" id="password" name="password" autocomplete="new-password" required />
          <p class="hint">Every other browser signed in as you will be signed out.</p>
          <div class="actions"><button type="submit">Change the password</button></div>
        </form>
      </div>`,
    notice,
  );
}
