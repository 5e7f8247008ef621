/**
 * Reading a problem response as a client: from the `WWW-Authenticate` header, or from a form or
 * JSON body, into one typed error — whichever provider sent it, Countersign or another.
 */
import { CountersignError } from '../core/countersign-error.js';
import { parseAuthorizationHeader, parseFormEncoded } from '../core/parameters.js';
import { readCut } from '../problems/bounds.js';
import { PROBLEMS, type ProblemName } from '../problems/catalogue.js';

/** A refused request, as the client sees it. */
export class ProblemResponseError extends CountersignError<'problem_response'> {
  override readonly name = 'ProblemResponseError';
  constructor(
    /** The `oauth_problem` value (a catalogue name, or whatever another provider sent). */
    readonly problem: string,
    readonly status: number,
    /** Every parameter reported, decoded once (list values still "&"-joined). */
    readonly parameters: Readonly<Record<string, string>>,
  ) {
    super(
      'problem_response',
      `${problem}${parameters.oauth_problem_advice ? `: ${parameters.oauth_problem_advice}` : ''}`,
    );
  }

  /** The catalogue's numeric code, when the problem is one of the catalogue's. */
  get problemCode(): number | undefined {
    return (PROBLEMS as Record<string, { code: number } | undefined>)[this.problem]?.code;
  }

  get advice(): string | undefined {
    return this.parameters.oauth_problem_advice;
  }

  /**
   * For `signature_invalid`: the base string the server computed (`oauth_signature_base_string`,
   * or PECL oauth's `debug_sbs`): as much of it as the server sent, without the marker of a cut.
   */
  get baseString(): string | undefined {
    const sent = this.parameters.oauth_signature_base_string ?? this.parameters.debug_sbs;
    return sent === undefined ? undefined : readCut(sent).kept;
  }

  /** How many characters of its base string the server left out (it cuts a long one); 0 if none. */
  get baseStringOmitted(): number {
    return readCut(this.parameters.oauth_signature_base_string ?? '').omitted;
  }

  get parametersAbsent(): string[] {
    return splitList(this.parameters.oauth_parameters_absent).map(([name]) => name);
  }

  get parametersRejected(): [string, string][] {
    return splitList(this.parameters.oauth_parameters_rejected);
  }

  /** Whether this is a given catalogue problem. */
  is(problem: ProblemName): boolean {
    return this.problem === problem;
  }
}

function splitList(value: string | undefined): [string, string][] {
  if (!value) return [];
  return parseFormEncoded(value, 'body').map((p) => [p.name, p.value]);
}

/**
 * PECL oauth's `OAuthProvider::reportProblem` ends its form with the base string it computed as
 * is, not form-encoded: `oauth_problem=signature_invalid&debug_sbs=GET&http%3A%2F%2F…&a%3D1…`.
 * The base string's own three parts are joined by "&", every other "&" in it being encoded.
 */
const PECL_BASE_STRING = /(?:^|&)debug_sbs=([^&]*&[^&]*&[^&]*)$/;

function fromForm(body: string): Record<string, string> {
  const pecl = PECL_BASE_STRING.exec(body);
  const form = pecl ? body.slice(0, pecl.index) : body;
  const out = Object.fromEntries(parseFormEncoded(form, 'body').map((p) => [p.name, p.value]));
  if (pecl?.[1] !== undefined) out.debug_sbs = pecl[1];
  return out;
}

function fromJson(body: string): Record<string, string> {
  const parsed = JSON.parse(body) as Record<string, unknown>;
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value === 'string') out[name] = value;
    else if (name === 'oauth_parameters_absent' && Array.isArray(value))
      out[name] = value.map(String).join('&');
  }
  return out;
}

/**
 * The problem a response reports, or `undefined` when it reports none.
 *
 * @example
 * ```ts
 * const problem = await readProblem(response);
 * if (problem?.is('timestamp_refused')) resyncClock(problem.parameters.oauth_acceptable_timestamps);
 * ```
 */
export async function readProblem(response: Response): Promise<ProblemResponseError | undefined> {
  let parameters: Record<string, string> = {};
  const header = response.headers.get('www-authenticate');
  if (header) {
    try {
      for (const p of parseAuthorizationHeader(header)?.parameters ?? []) parameters[p.name] = p.value;
    } catch {
      parameters = {};
    }
  }
  const text = await response.clone().text();
  const type = response.headers.get('content-type') ?? '';
  try {
    const body = type.includes('json') ? fromJson(text) : fromForm(text);
    parameters = { ...body, ...parameters };
  } catch {
    // A body that is neither form nor JSON carries no problem; the header may.
  }
  const problem = parameters.oauth_problem;
  return problem ? new ProblemResponseError(problem, response.status, parameters) : undefined;
}
