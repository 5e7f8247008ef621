/**
 * A problem as an HTML page, for a browser that navigated to a signed URL or submitted a signed
 * form (an LTI launch, a link a provider handed out): the status, the problem's name and code, what
 * it means, the advice, and the facts it reports — the base string for `signature_invalid` only, as
 * the wire format has it. Secrets never appear (rejected values are bounded and redacted exactly as in
 * the form and JSON bodies). The page carries no script and loads nothing; it may be framed, since an
 * LMS shows launches in a frame and the page has nothing to click.
 */
import { STATUS_CODES } from 'node:http';
import type { ProblemJson } from './render.js';

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text escaped for HTML content and quoted attributes. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

function fact(term: string, description: string, className = ''): string {
  const cls = className === '' ? '' : ` class="${className}"`;
  return `<dt>${escapeHtml(term)}</dt><dd${cls}>${description}</dd>`;
}

/** The facts the problem reports, bounded and redacted as in the JSON body they come from. */
function facts(json: ProblemJson): string[] {
  const out: string[] = [];
  if (json.oauth_parameters_absent)
    out.push(
      fact('Missing', json.oauth_parameters_absent.map((n) => `<code>${escapeHtml(n)}</code>`).join(', ')),
    );
  if (json.oauth_parameters_rejected) {
    const pairs = json.oauth_parameters_rejected.map(
      (p) => `<code>${escapeHtml(`${p.name}=${p.value}`)}</code>`,
    );
    out.push(fact('Rejected', pairs.join('<br>')));
  }
  if (json.oauth_acceptable_timestamps)
    out.push(fact('Accepted timestamps', `<code>${escapeHtml(json.oauth_acceptable_timestamps)}</code>`));
  if (json.oauth_acceptable_versions)
    out.push(fact('Accepted versions', `<code>${escapeHtml(json.oauth_acceptable_versions)}</code>`));
  if (json.oauth_signature_base_string !== undefined) {
    const base = `<code>${escapeHtml(json.oauth_signature_base_string)}</code>`;
    out.push(fact('Base string the server computed', base, 'base-string'));
  }
  return out;
}

const STYLE =
  'body{font:16px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:42rem;padding:0 1rem;color:#1d2330}' +
  'h1{font-size:1.4rem}code{font-family:ui-monospace,monospace;font-size:.9em;word-break:break-all}' +
  'dt{font-weight:600;margin-top:.8rem}dd{margin:0}.advice{background:#f3f5f9;padding:.8rem 1rem;border-radius:6px}';

/**
 * The HTML page of a problem, from its JSON body (which holds the same facts, already bounded).
 *
 * @example
 * ```ts
 * problemPage(problemJson(new OAuthProblem('nonce_used'))); // '<!doctype html>…<h1>401 Unauthorized: nonce_used</h1>…'
 * ```
 */
export function problemPage(json: ProblemJson): string {
  const heading = `${json.status} ${STATUS_CODES[json.status] ?? 'Error'}: ${json.oauth_problem}`;
  const reported = facts(json);
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(heading)}</title><style>${STYLE}</style></head><body>`,
    `<h1>${escapeHtml(heading)}</h1>`,
    `<p>This request was refused (OAuth problem ${json.code}, <code>${escapeHtml(json.oauth_problem)}</code>): ${escapeHtml(json.message)}</p>`,
    `<p class="advice" id="advice">${escapeHtml(json.oauth_problem_advice)}</p>`,
    reported.length === 0 ? '' : `<dl>${reported.join('')}</dl>`,
    '</body></html>',
  ].join('\n');
}
