/**
 * The signature doctor on an application's console page: the developer pastes the base string
 * their client computed, or the whole request (HTTP text or a curl command), or both, and sees the
 * server's base string for the same request beside theirs with the first difference marked and
 * explained, and whether the request's signature matches the application's secret.
 *
 * It runs on the server, bounded in size, because what it must show is what this server computes:
 * the engine's own functions, with this server's public URL and proxy settings, and the base
 * strings of refused requests in the problem log. A copy of that logic in the browser could differ
 * from it in exactly the cases the doctor is for. Nothing pasted is stored or logged, the secret is
 * never asked for nor shown, and the pasted request (which may carry a PLAINTEXT signature, the
 * secrets themselves) is not echoed back.
 */
import { type Consumer, isOAuthProblem, type Provider, readCut, type SignatureMatch } from 'countersign';
import {
  baseStringParameters,
  explainDifference,
  firstDifference,
  IDENTICAL,
  normalizedBaseString,
} from 'countersign/client';
import type { ProblemEvent } from '../data/server-data.js';
import { parsePastedRequest } from './pasted-request.js';

/** The most characters each pasted field may have. */
export const DOCTOR_FIELD_LIMIT = 16_384;

/** What the developer pasted. */
export interface DoctorInput {
  readonly request: string;
  readonly baseString: string;
}

/** Where the server's base string came from. */
export type ServerSource =
  /** Computed by the engine from the pasted request. */
  | 'request'
  /** The problem log's: the base string of the refused request with the same nonce and timestamp. */
  | 'problem_log'
  /** The pasted base string's own parts put together again by the rules (no request to compare with). */
  | 'normalized';

/** The doctor's answer. */
export type DoctorResult =
  | { readonly kind: 'error'; readonly message: string }
  | {
      readonly kind: 'compared';
      readonly server: string;
      /** Characters the server's copy left out (a long base string in the problem log is cut). */
      readonly serverOmitted: number;
      readonly source: ServerSource;
      /** When the problem-log event happened. */
      readonly loggedAt?: number | undefined;
      readonly client?: string | undefined;
      /** Index of the first difference, -1 when identical; absent with no client base string. */
      readonly at?: number | undefined;
      readonly explanation?: string | undefined;
      readonly signature?: SignatureMatch | undefined;
      readonly uncheckedBecause?: string | undefined;
    };

function comparison(server: string, serverOmitted: number, client: string | undefined) {
  if (client === undefined) return {};
  const at = firstDifference(server, client);
  const cutBefore = serverOmitted > 0 && at >= server.length;
  const explanation =
    at < 0 ? IDENTICAL : cutBefore || serverOmitted > 0 ? undefined : explainDifference(server, client);
  return { client, at: cutBefore ? -1 : at, explanation };
}

/** The refused request in the log whose base string has the nonce and timestamp of `client`'s. */
function loggedTwin(client: string, problems: readonly ProblemEvent[]): ProblemEvent | undefined {
  const sent = baseStringParameters(client);
  const nonce = sent.get('oauth_nonce');
  if (nonce === undefined) return undefined;
  return problems.find((p) => {
    if (p.baseString === undefined) return false;
    const logged = baseStringParameters(readCut(p.baseString).kept);
    return (
      logged.get('oauth_nonce') === nonce && logged.get('oauth_timestamp') === sent.get('oauth_timestamp')
    );
  });
}

function fromBaseString(client: string, problems: readonly ProblemEvent[]): DoctorResult {
  const twin = loggedTwin(client, problems);
  if (twin?.baseString !== undefined) {
    const { kept, omitted } = readCut(twin.baseString);
    return {
      kind: 'compared',
      server: kept,
      serverOmitted: omitted,
      source: 'problem_log',
      loggedAt: twin.at,
      ...comparison(kept, omitted, client),
    };
  }
  const normalized = normalizedBaseString(client);
  if (normalized === undefined)
    return {
      kind: 'error',
      message:
        'That is not a signature base string: it is the method, the percent-encoded URL and the percent-encoded parameters, joined by "&" (GET&http%3A%2F%2F…&oauth_consumer_key%3D…).',
    };
  return {
    kind: 'compared',
    server: normalized,
    serverOmitted: 0,
    source: 'normalized',
    ...comparison(normalized, 0, client),
  };
}

/**
 * Examines what was pasted for `consumer`. `secure` is the scheme to assume for a pasted request
 * whose target does not name one (the console's own).
 */
export async function examine(
  provider: Provider,
  consumer: Consumer,
  problems: readonly ProblemEvent[],
  input: DoctorInput,
  secure: boolean,
): Promise<DoctorResult> {
  const requestText = input.request.trim();
  const client = input.baseString.trim() === '' ? undefined : input.baseString.trim();
  if (requestText.length > DOCTOR_FIELD_LIMIT || input.baseString.length > DOCTOR_FIELD_LIMIT)
    return {
      kind: 'error',
      message: `Each field takes at most ${DOCTOR_FIELD_LIMIT.toLocaleString('en')} characters.`,
    };
  if (requestText === '') {
    if (client === undefined)
      return {
        kind: 'error',
        message: 'Paste the base string your client computed, or its whole request, or both.',
      };
    return fromBaseString(client, problems);
  }
  const pasted = parsePastedRequest(requestText, secure);
  if ('error' in pasted) return { kind: 'error', message: `The request could not be read: ${pasted.error}` };
  try {
    const diagnosis = await provider.diagnoseSignature(pasted.request, consumer);
    return {
      kind: 'compared',
      server: diagnosis.baseString,
      serverOmitted: 0,
      source: 'request',
      signature: diagnosis.signature,
      uncheckedBecause: diagnosis.uncheckedBecause,
      ...comparison(diagnosis.baseString, 0, client),
    };
  } catch (error) {
    if (!isOAuthProblem(error)) throw error;
    return {
      kind: 'error',
      message: `The server would refuse this request as ${error.problem}: ${error.advice}`,
    };
  }
}
