/**
 * An application's recent problems on its console page: each refused request with its problem,
 * advice and, for a bad signature, the base string the server computed; and the requests accepted
 * with the previous secret in a rotation's grace period, marked as accepted.
 */
import type { ProblemEvent } from '../../data/server-data.js';
import { type Html, html } from '../html.js';
import { PREVIOUS_SECRET_EVENT } from '../problem-recorder.js';

/** The row saying how many refusals after an event were only counted (the log's rate limit). */
function unrecordedRow(event: ProblemEvent): Html | '' {
  if (!event.unrecorded) return '';
  const requests = event.unrecorded === 1 ? 'refused request' : 'refused requests';
  return html`<tr class="unrecorded">
    <td colspan="3" class="hint">${event.unrecorded} more ${requests} not recorded</td>
  </tr>`;
}

function what(p: ProblemEvent): Html {
  if (p.problem === PREVIOUS_SECRET_EVENT)
    return html`<strong>accepted with the previous secret</strong><br /><span class="hint"
        >${p.advice}</span
      >`;
  return html`<strong>${p.problem}</strong><br /><span class="hint">${p.advice}</span>
    ${p.baseString === undefined ? '' : html`<br />Base string the server computed:<br /><code class="base-string">${p.baseString}</code>`}`;
}

export function problemLog(problems: readonly ProblemEvent[]): Html {
  if (problems.length === 0) return html`<p>No refused requests yet.</p>`;
  return html`<table id="problems" class="stacked">
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
          html`<tr class="${p.problem === PREVIOUS_SECRET_EVENT ? 'accepted' : ''}">
              <td class="mono when">${new Date(p.at).toISOString().replace('T', ' ').slice(0, 19)}</td>
              <td>${p.endpoint}</td>
              <td>${what(p)}</td>
            </tr>
            ${unrecordedRow(p)}`,
      )}
    </tbody>
  </table>`;
}
