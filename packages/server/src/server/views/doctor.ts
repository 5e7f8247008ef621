/**
 * The signature doctor's part of an application's page: the form, and the server's base string
 * beside the client's with the first difference marked and explained.
 */
import type { Consumer } from 'countersign';
import { type Html, html } from '../html.js';
import { DOCTOR_FIELD_LIMIT, type DoctorResult, type ServerSource } from '../signature-doctor.js';
import { utcMinute } from '../problem-recorder.js';
import { csrfField, type PageContext } from './layout.js';
import { appPath } from './app-path.js';

const SOURCES: Readonly<Record<ServerSource, string>> = {
  request: 'computed by the server from the request you pasted, as it computes it for a real request',
  problem_log: 'the one the server computed when it refused this request (same nonce and timestamp)',
  normalized:
    "your base string's own parts put together again by RFC 5849's rules (the problem log has no refused request with this nonce; paste the whole request to compare with what the server receives)",
};

const SIGNATURES = {
  current_secret:
    "The request's signature matches the server's base string with this application's current secret: the signature is right for this request.",
  previous_secret:
    "The request's signature matches the server's base string with this application's previous secret, still accepted in the rotation's grace period: move the client to the current secret.",
  no_match:
    "The request's signature does not match the server's base string with this application's secret: the client signed another base string (paste it to see where they differ) or used another key (the consumer secret, the token secret, and the \"&\" between them).",
} as const;

/** `text` with the character at `at` marked (or a mark at its end, where the other one goes on). */
function marked(text: string, at: number): Html {
  if (at < 0) return html`${text}`;
  const char = text.slice(at, at + 1);
  return html`${text.slice(0, at)}<mark>${char === '' ? '␣' : char}</mark>${text.slice(at + 1)}`;
}

function signatureLine(result: Extract<DoctorResult, { kind: 'compared' }>): Html | '' {
  if (result.signature === undefined) return '';
  if (result.signature === 'unchecked')
    return html`<p class="hint">The signature was not checked: ${result.uncheckedBecause ?? ''}</p>`;
  const good = result.signature === 'current_secret';
  return html`<p class="${good ? 'notice' : 'error'}" id="doctor-signature">
    ${SIGNATURES[result.signature]}
  </p>`;
}

function resultView(result: DoctorResult): Html {
  if (result.kind === 'error')
    return html`<p class="error" role="alert" id="doctor-error">${result.message}</p>`;
  const at = result.at ?? -1;
  const logged = result.loggedAt === undefined ? '' : ` at ${utcMinute(result.loggedAt)}`;
  return html`<div id="doctor-result" role="status">
    ${signatureLine(result)}
    ${
      result.client === undefined
        ? ''
        : html`<p id="doctor-verdict" class="${at < 0 ? 'notice' : 'error'}">
            ${at < 0 ? result.explanation : html`First difference at character ${at + 1}: ${result.explanation ?? 'see the marked character.'}`}
          </p>`
    }
    <h3>The server's base string</h3>
    <p class="hint">${SOURCES[result.source]}${logged}.</p>
    <code class="base-string" id="doctor-server">${marked(result.server, at)}</code>
    ${result.serverOmitted > 0 ? html`<p class="hint">(cut after ${result.server.length} characters; ${result.serverOmitted} more were not kept)</p>` : ''}
    ${
      result.client === undefined
        ? ''
        : html`<h3>Your client's base string</h3>
            <code class="base-string" id="doctor-client">${marked(result.client, at)}</code>`
    }
  </div>`;
}

/** The doctor: its form, with the base string pasted last kept in it, and the last result. */
export function doctorSection(
  page: PageContext,
  consumer: Consumer,
  input?: { baseString: string },
  result?: DoctorResult,
): Html {
  return html`<section class="card" aria-labelledby="doctor-heading" id="doctor">
    <h2 id="doctor-heading">Signature doctor</h2>
    <p>
      Paste the base string your client signed, or its whole request (as HTTP text, or a curl command), or
      both: the server's base string for the same request is shown beside yours, with the first difference
      marked and explained. It never needs your secret, and never shows it; what you paste is not kept.
    </p>
    <form method="post" action="${appPath(consumer.key, 'doctor')}#doctor">
      ${csrfField(page)}
      <label for="doctor-request"
        >The request
        <span class="hint">HTTP text (request line, headers, blank line, body) or a curl command</span></label
      >
      <textarea
        id="doctor-request"
        name="request"
        maxlength="${DOCTOR_FIELD_LIMIT}"
        spellcheck="false"
        placeholder='POST /oauth/initiate HTTP/1.1&#10;Host: …&#10;Authorization: OAuth oauth_consumer_key="…", …'
      ></textarea>
      <label for="doctor-base-string">Your client's base string</label>
      <textarea
        id="doctor-base-string"
        name="base_string"
        maxlength="${DOCTOR_FIELD_LIMIT}"
        spellcheck="false"
      >
${input?.baseString ?? ''}</textarea>
      <div class="actions"><button type="submit" class="secondary">Compare</button></div>
    </form>
    ${result ? resultView(result) : ''}
  </section>`;
}
