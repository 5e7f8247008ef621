/**
 * Renders an {@link OAuthProblem} onto the wire (SPEC "Wire format"): the `WWW-Authenticate` header
 * on every problem response, and a body that is the same parameters plus `oauth_problem_advice`,
 * form-encoded by default, JSON when the client prefers it, and an HTML page for a browser.
 *
 * List-valued parameters are encoded twice, as the Problem Reporting extension says: each item is
 * percent-encoded and the items joined by "&" (rejected ones as `name=value`), and then the whole
 * value is percent-encoded again for the header or the form body.
 *
 * Everything quoted is bounded (`bounds.ts`): the base string, each listed name and value, the
 * length of a list, the advice. The header takes a parameter only while it stays short; a longer one
 * is in the body only, so the header stays readable by every HTTP client whatever was sent.
 */
import Negotiator from 'negotiator';
import { quoteRealm } from '../core/authorization-header.js';
import { percentEncode } from '../core/percent-encoding.js';
import { cutText, PROBLEM_BOUNDS, SECRET_NAME } from './bounds.js';
import { PROBLEMS } from './catalogue.js';
import { problemPage } from './html-page.js';
import type { OAuthProblem, ProblemDetails } from './oauth-problem.js';
import type { WireResponse } from './wire.js';

/** The only `oauth_version` Countersign accepts, as the `oauth_acceptable_versions` range. */
const ACCEPTABLE_VERSIONS = '1.0-1.0';

/**
 * The wire parameters of a problem, in order: `oauth_problem`, then its extra parameters, each value
 * in its inner encoding (not yet encoded for the header or body).
 *
 * @example
 * ```ts
 * problemParameters(new OAuthProblem('parameter_absent', { parametersAbsent: ['oauth_nonce', 'oauth_timestamp'] }));
 * // [['oauth_problem', 'parameter_absent'], ['oauth_parameters_absent', 'oauth_nonce&oauth_timestamp']]
 * ```
 */
export function problemParameters(problem: OAuthProblem): [string, string][] {
  const { details } = problem;
  const parameters: [string, string][] = [['oauth_problem', problem.problem]];
  for (const extra of PROBLEMS[problem.problem].extras) {
    switch (extra) {
      case 'oauth_acceptable_versions':
        parameters.push([extra, ACCEPTABLE_VERSIONS]);
        break;
      case 'oauth_parameters_absent':
        parameters.push([extra, absentNames(details).map(percentEncode).join('&')]);
        break;
      case 'oauth_parameters_rejected':
        parameters.push([extra, rejectedPairs(details).map(encodePair).join('&')]);
        break;
      case 'oauth_acceptable_timestamps':
        if (details.acceptableTimestamps) parameters.push([extra, details.acceptableTimestamps.join('-')]);
        break;
      case 'oauth_signature_base_string':
        if (details.signatureBaseString !== undefined)
          parameters.push([extra, cutText(details.signatureBaseString, PROBLEM_BOUNDS.baseString)]);
        break;
    }
  }
  return parameters;
}

/** The first items of a list, each cut to its bound, and a last item counting the ones left out. */
function boundedList<T>(items: readonly T[], cut: (item: T) => T, more: (count: number) => T): T[] {
  const kept = items.slice(0, PROBLEM_BOUNDS.listItems).map(cut);
  if (items.length > kept.length) kept.push(more(items.length - kept.length));
  return kept;
}

const cutListValue = (text: string) => cutText(text, PROBLEM_BOUNDS.listValue);

function absentNames(details: ProblemDetails): string[] {
  return boundedList(details.parametersAbsent ?? [], cutListValue, (count) => `…[${count} more parameters]`);
}

/**
 * The rejected pairs as they are shown, bounded; a secret's value never is (a PLAINTEXT signature
 * is the consumer and token secrets themselves; a client may send `oauth_token_secret` by mistake).
 */
function rejectedPairs(details: ProblemDetails): (readonly [string, string])[] {
  return boundedList(
    details.parametersRejected ?? [],
    ([name, value]) =>
      [cutListValue(name), SECRET_NAME.test(name) ? '[redacted]' : cutListValue(value)] as const,
    (count) => ['…', `[${count} more parameters]`] as const,
  );
}

/** The advice as it is echoed: it may quote what was sent. */
function boundedAdvice(problem: OAuthProblem): string {
  return cutText(problem.advice, PROBLEM_BOUNDS.advice);
}

function encodePair([name, value]: readonly [string, string]): string {
  return `${percentEncode(name)}=${percentEncode(value)}`;
}

/**
 * The `WWW-Authenticate` header value of a problem response (values percent-encoded, RFC 5849 §3.6).
 *
 * @example
 * ```ts
 * wwwAuthenticate(new OAuthProblem('nonce_used'), 'http://localhost:3000/');
 * // 'OAuth realm="http://localhost:3000/", oauth_problem="nonce_used"'
 * ```
 */
export function wwwAuthenticate(problem: OAuthProblem, realm: string): string {
  // The realm may come from the request's Host header: bounded like any value sent.
  let header = `OAuth realm="${quoteRealm(cutText(realm, PROBLEM_BOUNDS.headerValue))}"`;
  for (const [name, value] of problemParameters(problem)) {
    const encoded = percentEncode(value);
    const pair = `, ${name}="${encoded}"`;
    const fits =
      encoded.length <= PROBLEM_BOUNDS.headerValue && header.length + pair.length <= PROBLEM_BOUNDS.header;
    // `oauth_problem` is a catalogue name, always short; a parameter that does not fit is in the body.
    if (fits || name === 'oauth_problem') header += pair;
  }
  return header;
}

/**
 * The form-encoded body: the header's parameters plus `oauth_problem_advice`.
 *
 * @example
 * ```ts
 * problemForm(new OAuthProblem('nonce_used')); // 'oauth_problem=nonce_used&oauth_problem_advice=Generate%20a…'
 * ```
 */
export function problemForm(problem: OAuthProblem): string {
  return [...problemParameters(problem), ['oauth_problem_advice', boundedAdvice(problem)]]
    .map(([name, value]) => `${name}=${percentEncode(value as string)}`)
    .join('&');
}

/** The JSON body of a problem response. */
export interface ProblemJson {
  oauth_problem: string;
  code: number;
  status: number;
  message: string;
  oauth_acceptable_versions?: string;
  oauth_parameters_absent?: string[];
  oauth_parameters_rejected?: { name: string; value: string }[];
  oauth_acceptable_timestamps?: string;
  oauth_signature_base_string?: string;
  oauth_problem_advice: string;
}

/**
 * The JSON body: the same content, with lists as arrays rather than "&"-joined strings.
 *
 * @example
 * ```ts
 * problemJson(new OAuthProblem('parameter_absent', { parametersAbsent: ['oauth_nonce'] })).oauth_parameters_absent;
 * // ['oauth_nonce']
 * ```
 */
export function problemJson(problem: OAuthProblem): ProblemJson {
  const { details } = problem;
  const body: ProblemJson = {
    oauth_problem: problem.problem,
    code: problem.code,
    status: problem.status,
    message: PROBLEMS[problem.problem].summary,
    oauth_problem_advice: boundedAdvice(problem),
  };
  for (const [name, value] of problemParameters(problem).slice(1)) {
    if (name === 'oauth_parameters_absent') body[name] = absentNames(details);
    else if (name === 'oauth_parameters_rejected')
      body[name] = rejectedPairs(details).map(([n, v]) => ({ name: n, value: v }));
    else body[name as 'oauth_acceptable_timestamps'] = value;
  }
  // Key order on the wire: the problem and its facts first, the advice last.
  const { oauth_problem_advice, ...rest } = body;
  return { ...rest, oauth_problem_advice };
}

/** The body formats of a problem response, the default first. */
const FORMATS = ['application/x-www-form-urlencoded', 'application/json', 'text/html'] as const;

/** The body format an `Accept` header prefers: the form encoding unless JSON or HTML is preferred. */
export function preferredFormat(accept: string | undefined): (typeof FORMATS)[number] {
  if (accept === undefined || accept === '') return FORMATS[0];
  const preferred = new Negotiator({ headers: { accept } }).mediaType([...FORMATS]);
  return (preferred as (typeof FORMATS)[number] | undefined) ?? FORMATS[0];
}

/** Whether an `Accept` header prefers JSON over the form encoding (the default). */
export function prefersJson(accept: string | undefined): boolean {
  return preferredFormat(accept) === 'application/json';
}

/** The content type and body of a problem in each format. */
const BODIES: Readonly<Record<(typeof FORMATS)[number], (problem: OAuthProblem) => [string, string]>> = {
  'application/x-www-form-urlencoded': (problem) => [
    'application/x-www-form-urlencoded',
    problemForm(problem),
  ],
  'application/json': (problem) => ['application/json; charset=utf-8', JSON.stringify(problemJson(problem))],
  'text/html': (problem) => ['text/html; charset=utf-8', problemPage(problemJson(problem))],
};

/**
 * Renders a problem as a complete response: status, `WWW-Authenticate`, `Cache-Control: no-store`,
 * `Allow` for `method_not_allowed`, and the body in the format the client prefers: form-encoded by
 * default, JSON when asked for, and an HTML page for a browser (an `Accept` that prefers
 * `text/html`, as every browser navigation sends), which would otherwise show a form body as a
 * download or an error.
 *
 * @example
 * ```ts
 * const res = renderProblem(problem, { realm: 'http://localhost:3000/', accept: req.headers.accept });
 * ```
 */
export function renderProblem(
  problem: OAuthProblem,
  options: {
    /** The realm of the `WWW-Authenticate` header. */
    realm: string;
    /**
     * The request's `Accept` header, which chooses the body's format.
     *
     * @defaultValue `undefined`: a form-encoded body
     */
    accept?: string | undefined;
  },
): WireResponse {
  const format = preferredFormat(options.accept);
  const [contentType, body] = BODIES[format](problem);
  const headers: Record<string, string> = {
    'www-authenticate': wwwAuthenticate(problem, options.realm),
    'content-type': contentType,
    'cache-control': 'no-store',
    vary: 'Accept',
  };
  if (format === 'text/html') {
    headers['content-security-policy'] =
      "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";
    headers['x-content-type-options'] = 'nosniff';
  }
  if (problem.details.allow) headers.allow = problem.details.allow.join(', ');
  return { status: problem.status, headers, body };
}
