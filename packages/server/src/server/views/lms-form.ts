/**
 * The console's form for registering an LMS (an LTI 1.1 tool consumer): a name, an optional key of
 * its administrator's choosing, and the signature methods it signs launches with. No callback or
 * scopes: an LMS sends launches, and nothing else.
 */
import { SIGNATURE_METHOD_NAMES } from 'countersign';
import { html } from '../html.js';
import { csrfField, layout, type PageContext } from './layout.js';

export interface LmsForm {
  name?: string;
  description?: string;
  key?: string;
  methods?: string[];
}

export function lmsForm(page: PageContext, form: LmsForm = {}, error?: string): string {
  const methods = form.name === undefined ? ['HMAC-SHA1'] : (form.methods ?? []);
  return layout(
    'Register an LMS',
    page,
    html`<h1>Register an LMS</h1>
      <div class="card">
        <p>
          An LMS (Canvas, Moodle, Blackboard, D2L, Sakai) launches this site's LTI 1.1 tool with the key and
          secret registered here, and may receive grades. It sends launches only.
        </p>
        ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
        <form method="post" action="/console/lms">
          ${csrfField(page)}
          <label for="name">Name <span class="hint">the LMS or the school, for your console</span></label>
          <input type="text" id="name" name="name" value="${form.name ?? ''}" required maxlength="100" />
          <label for="description">Description</label>
          <input
            type="text"
            id="description"
            name="description"
            value="${form.description ?? ''}"
            maxlength="300"
          />
          <label for="key"
            >Consumer key
            <span class="hint"
              >optional: 1 to 255 printable characters without spaces, such as moodle-school-a</span
            ></label
          >
          <input type="text" id="key" name="key" value="${form.key ?? ''}" maxlength="255" />
          <fieldset>
            <legend>Signature methods of its launches</legend>
            ${SIGNATURE_METHOD_NAMES.filter((m) => m.startsWith('HMAC-')).map((m) => html`<label><input type="checkbox" name="methods" value="${m}" ${methods.includes(m) ? html`checked` : ''} /> ${m}</label>`)}
          </fieldset>
          <div class="actions"><button type="submit">Register</button> <a href="/console">Cancel</a></div>
        </form>
      </div>`,
  );
}
