/**
 * The problem catalogue: every way Countersign refuses a request, as one table.
 *
 * Codes 1–17 and their HTTP statuses follow the documented Magento table; 18–21 are the further
 * problems of the OAuth Problem Reporting extension that Hatena's API reports. `docs/problems.md`
 * is checked against this table by a test, so the two cannot drift apart.
 */

/** The extra parameters a problem response may carry besides `oauth_problem`. */
export type ProblemExtra =
  | 'oauth_acceptable_versions'
  | 'oauth_parameters_absent'
  | 'oauth_parameters_rejected'
  | 'oauth_acceptable_timestamps'
  | 'oauth_signature_base_string';

/** One row of the catalogue. */
export interface ProblemEntry {
  /** Stable numeric code (1–21). */
  readonly code: number;
  /** The `oauth_problem` value sent on the wire. */
  readonly problem: string;
  /** HTTP status of the response. */
  readonly status: number;
  /** One-line statement of what went wrong; the `message` of the JSON body. */
  readonly summary: string;
  /** What the client developer should do, used when no more specific advice is given. */
  readonly advice: string;
  /** Extra parameters this problem reports. */
  readonly extras: readonly ProblemExtra[];
}

/**
 * All 21 problems, in code order.
 *
 * @example
 * ```ts
 * import { PROBLEMS } from 'countersign';
 * PROBLEMS.nonce_used.status; // 401
 * ```
 */
export const PROBLEMS = {
  version_rejected: {
    code: 1,
    problem: 'version_rejected',
    status: 400,
    summary: 'oauth_version is present and is not 1.0.',
    advice: 'Send oauth_version=1.0 or leave the parameter out.',
    extras: ['oauth_acceptable_versions'],
  },
  parameter_absent: {
    code: 2,
    problem: 'parameter_absent',
    status: 400,
    summary: 'A required protocol parameter is missing.',
    advice: 'Send every parameter named in oauth_parameters_absent.',
    extras: ['oauth_parameters_absent'],
  },
  parameter_rejected: {
    code: 3,
    problem: 'parameter_rejected',
    status: 400,
    summary: 'A parameter is malformed, duplicated, sent in more than one place, or not taken here.',
    advice: 'Fix or remove the parameters named in oauth_parameters_rejected.',
    extras: ['oauth_parameters_rejected'],
  },
  timestamp_refused: {
    code: 4,
    problem: 'timestamp_refused',
    status: 400,
    summary: 'oauth_timestamp is malformed or outside the accepted window.',
    advice:
      'Send the current Unix time in seconds; check the client clock against oauth_acceptable_timestamps.',
    extras: ['oauth_acceptable_timestamps'],
  },
  nonce_used: {
    code: 5,
    problem: 'nonce_used',
    status: 401,
    summary: 'This nonce was already used with this consumer, token and timestamp.',
    advice: 'Generate a fresh random oauth_nonce for every request; never retry with the same one.',
    extras: [],
  },
  signature_method_rejected: {
    code: 6,
    problem: 'signature_method_rejected',
    status: 400,
    summary: 'The signature method is not accepted for this server or consumer.',
    advice: 'Use one of the signature methods the server accepts.',
    extras: [],
  },
  signature_invalid: {
    code: 7,
    problem: 'signature_invalid',
    status: 401,
    summary: 'The signature does not match.',
    advice:
      'Compare your signature base string with oauth_signature_base_string; the first difference is the bug.',
    extras: ['oauth_signature_base_string'],
  },
  consumer_key_rejected: {
    code: 8,
    problem: 'consumer_key_rejected',
    status: 401,
    summary: 'The consumer key is malformed or the consumer is permanently disabled.',
    advice: 'Check the consumer key; a disabled consumer cannot be used again.',
    extras: [],
  },
  token_used: {
    code: 9,
    problem: 'token_used',
    status: 401,
    summary: 'The token was already used for this step.',
    advice: 'Start the authorization flow again with a new request token.',
    extras: [],
  },
  token_expired: {
    code: 10,
    problem: 'token_expired',
    status: 401,
    summary: 'The token has expired.',
    advice: 'Obtain a new token.',
    extras: [],
  },
  token_revoked: {
    code: 11,
    problem: 'token_revoked',
    status: 401,
    summary: 'The access token was revoked.',
    advice: 'Discard the token and ask the user to authorize the application again.',
    extras: [],
  },
  token_rejected: {
    code: 12,
    problem: 'token_rejected',
    status: 401,
    summary: 'The token is unknown, belongs to another consumer, or is of the wrong kind for this request.',
    advice: 'Send the token issued to this consumer for this step.',
    extras: [],
  },
  verifier_invalid: {
    code: 13,
    problem: 'verifier_invalid',
    status: 401,
    summary: 'oauth_verifier does not match.',
    advice: 'Send the verifier delivered to the callback (or the PIN shown to the user).',
    extras: [],
  },
  permission_unknown: {
    code: 14,
    problem: 'permission_unknown',
    status: 403,
    summary: 'The user has not yet approved or denied this request token.',
    advice: 'Wait until the user has decided and the callback has been called.',
    extras: [],
  },
  permission_denied: {
    code: 15,
    problem: 'permission_denied',
    status: 403,
    summary: 'The user denied access, or the resource needs a scope this consumer may never hold.',
    advice: 'Do not retry; the user or the consumer registration must change first.',
    extras: [],
  },
  method_not_allowed: {
    code: 16,
    problem: 'method_not_allowed',
    status: 405,
    summary: 'This HTTP method is not allowed here.',
    advice: 'Use one of the methods in the Allow header.',
    extras: [],
  },
  consumer_key_invalid: {
    code: 17,
    problem: 'consumer_key_invalid',
    status: 403,
    summary: 'The consumer may not make this kind of request.',
    advice: 'Enable two-legged requests for this consumer, or send an oauth_token.',
    extras: [],
  },
  consumer_key_unknown: {
    code: 18,
    problem: 'consumer_key_unknown',
    status: 401,
    summary: 'No consumer has this key.',
    advice: 'Check the consumer key against the developer console.',
    extras: [],
  },
  consumer_key_refused: {
    code: 19,
    problem: 'consumer_key_refused',
    status: 401,
    summary: 'The consumer is temporarily suspended.',
    advice: 'Ask the developer or an administrator to resume the consumer.',
    extras: [],
  },
  additional_authorization_required: {
    code: 20,
    problem: 'additional_authorization_required',
    status: 401,
    summary: 'The access token lacks the scope this resource needs.',
    advice: 'Ask the user to authorize the application again with the missing scope.',
    extras: [],
  },
  user_refused: {
    code: 21,
    problem: 'user_refused',
    status: 403,
    summary: 'The user who granted this token is suspended.',
    advice: 'Nothing the client can do; the user must be resumed by an administrator.',
    extras: [],
  },
} as const satisfies Record<string, ProblemEntry>;

/** The `oauth_problem` wire names. */
export type ProblemName = keyof typeof PROBLEMS;

/** The numeric problem codes, 1–21. */
export type ProblemCode = (typeof PROBLEMS)[ProblemName]['code'];

/** The catalogue as a list, in code order. */
export const PROBLEM_LIST: readonly ProblemEntry[] = Object.values(PROBLEMS);
