/**
 * Sending grades back (LTI Basic Outcomes 1.1): `replaceResult`, `readResult` and `deleteResult`,
 * each a POST of POX XML to the launch's `lis_outcome_service_url`, signed with the LMS's consumer
 * credentials and covered by `oauth_body_hash` as the LTI 1.1 guide requires (§6: "the body …
 * must be signed using the OAuth Request Body Hash"). The answer's status is read; anything but
 * `success` is an `OutcomeError` naming what the LMS said. A score outside 0.0–1.0 is refused before
 * anything is sent.
 */
import { randomUUID } from 'node:crypto';
import { CountersignError } from '../core/countersign-error.js';
import type { SignatureMethodName } from '../core/signature-methods.js';
import { isHttpUrl, signRequest } from '../client/sign-request.js';
import type { LtiOutcome } from './launch.js';
import { type OutcomeOperation, type PoxStatus, poxRequest, readPoxResponse, scoreText } from './pox.js';

/** Why an outcome was not recorded. */
export type OutcomeErrorCode =
  /** The score or the outcome (service URL, sourcedid) is not one that can be sent; nothing was sent. */
  | 'invalid_outcome'
  /** The LMS answered, and its `imsx_codeMajor` is not `success` (see `status`). */
  | 'outcome_refused'
  /** The LMS did not answer in time, or answered something that is not a POX status. */
  | 'outcome_unanswered';

/** An outcome that was not recorded: what was wrong, and what the LMS said when it answered. */
export class OutcomeError extends CountersignError<OutcomeErrorCode> {
  override readonly name = 'OutcomeError';
  constructor(
    code: OutcomeErrorCode,
    message: string,
    /** The HTTP status of the LMS's answer, when it answered. */
    readonly httpStatus?: number,
    /** The POX status of its answer, when it had one. */
    readonly status?: PoxStatus,
    options?: ErrorOptions,
  ) {
    super(code, message, options);
  }
}

/** The LMS's credentials at this tool (a launch's `consumer`), and how to reach it. */
export interface OutcomesOptions {
  /** The LMS's consumer key at this tool. */
  readonly key: string;
  /** The LMS's consumer secret at this tool. */
  readonly secret: string;
  /**
   * Default HMAC-SHA1, which every LMS takes; the body hash follows the method.
   *
   * @defaultValue `'HMAC-SHA1'`
   */
  readonly signatureMethod?: SignatureMethodName | undefined;
  /**
   * How long to wait for the LMS's answer, in milliseconds (default 30,000).
   *
   * @defaultValue `30000`
   */
  readonly timeout?: number | undefined;
  /**
   * The `fetch` to send with (default the global one).
   *
   * @defaultValue `globalThis.fetch`
   */
  readonly fetch?: typeof fetch | undefined;
}

/** Answers larger than this are not read (a POX status is a few hundred bytes). */
const ANSWER_LIMIT = 256 * 1024;

/** The answer's body as text, refused past `ANSWER_LIMIT` bytes as they arrive. */
async function readAnswer(response: Response): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (!response.body) return '';
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > ANSWER_LIMIT) throw new Error(`an answer of more than ${ANSWER_LIMIT} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function checkOutcome(outcome: LtiOutcome): void {
  if (typeof outcome?.serviceUrl !== 'string' || !isHttpUrl(outcome.serviceUrl))
    throw new OutcomeError(
      'invalid_outcome',
      'the outcome service URL must be an absolute http or https URL',
    );
  if (typeof outcome.sourcedid !== 'string' || outcome.sourcedid === '')
    throw new OutcomeError('invalid_outcome', 'the outcome has no lis_result_sourcedid');
}

function checkScore(score: number): void {
  if (typeof score !== 'number' || !Number.isFinite(score) || score < 0 || score > 1)
    throw new OutcomeError(
      'invalid_outcome',
      `a score is a number from 0.0 to 1.0 (LTI Basic Outcomes), not ${String(score)}`,
    );
}

/** What the LMS said, in one line. */
function said(status: PoxStatus): string {
  const details = [status.severity, status.description].filter((s) => s !== undefined).join(': ');
  return `imsx_codeMajor ${status.codeMajor}${details === '' ? '' : ` (${details})`}`;
}

/**
 * A client for one LMS's outcome service.
 *
 * @example
 * ```ts
 * const outcomes = new OutcomesClient(launch.consumer);
 * if (launch.outcome) await outcomes.replaceResult(launch.outcome, 0.9);
 * ```
 */
export class OutcomesClient {
  readonly #options: OutcomesOptions;

  constructor(options: OutcomesOptions) {
    if (typeof options?.key !== 'string' || options.key === '' || typeof options.secret !== 'string')
      throw new TypeError("key and secret are required: the LMS's consumer credentials");
    this.#options = options;
  }

  /** Sets the score (0.0–1.0) of the outcome's result, replacing any. */
  async replaceResult(outcome: LtiOutcome, score: number, language = 'en'): Promise<void> {
    checkOutcome(outcome);
    checkScore(score);
    await this.#send(outcome, 'replaceResult', { text: scoreText(score), language });
  }

  /** The outcome's current score, or `undefined` when none is set. */
  async readResult(outcome: LtiOutcome): Promise<number | undefined> {
    checkOutcome(outcome);
    const text = await this.#send(outcome, 'readResult');
    if (text === undefined || text === '') return undefined;
    const score = /^\s*[+-]?(\d+\.?\d*|\.\d+)\s*$/.test(text) ? Number(text) : Number.NaN;
    if (Number.isNaN(score))
      throw new OutcomeError(
        'outcome_unanswered',
        `the LMS read the score as ${JSON.stringify(text)}, not a number`,
      );
    return score;
  }

  /** Removes the outcome's score. */
  async deleteResult(outcome: LtiOutcome): Promise<void> {
    checkOutcome(outcome);
    await this.#send(outcome, 'deleteResult');
  }

  /** Sends one operation; returns the score text of the answer, for `readResult`. */
  async #send(
    outcome: LtiOutcome,
    operation: OutcomeOperation,
    score?: { text: string; language: string },
  ): Promise<string | undefined> {
    const messageIdentifier = randomUUID();
    const body = poxRequest(operation, messageIdentifier, outcome.sourcedid, score);
    const signed = signRequest({
      method: 'POST',
      url: outcome.serviceUrl,
      body,
      consumerKey: this.#options.key,
      consumerSecret: this.#options.secret,
      signatureMethod: this.#options.signatureMethod ?? 'HMAC-SHA1',
    });
    const { status, text } = await this.#post(outcome.serviceUrl, signed.authorization, body);
    let answer: ReturnType<typeof readPoxResponse>;
    try {
      answer = readPoxResponse(text, operation);
    } catch (error) {
      const what = status >= 200 && status < 300 ? 'an answer' : `HTTP ${status}`;
      throw new OutcomeError(
        'outcome_unanswered',
        `the LMS answered ${operation} with ${what} that is not a POX status: ${(error as Error).message}`,
        status,
        undefined,
        { cause: error },
      );
    }
    const ref = answer.status.messageRefIdentifier;
    if (ref !== undefined && ref !== messageIdentifier)
      throw new OutcomeError(
        'outcome_unanswered',
        `the LMS answered message ${ref}, not ${messageIdentifier}`,
        status,
        answer.status,
      );
    if (answer.status.codeMajor !== 'success')
      throw new OutcomeError(
        'outcome_refused',
        `the LMS refused ${operation}: ${said(answer.status)}`,
        status,
        answer.status,
      );
    return answer.scoreText;
  }

  async #post(url: string, authorization: string, body: string): Promise<{ status: number; text: string }> {
    const send = this.#options.fetch ?? fetch;
    const timeout = this.#options.timeout ?? 30_000;
    try {
      const response = await send(url, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/xml', accept: 'application/xml' },
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(timeout),
      });
      return { status: response.status, text: await readAnswer(response) };
    } catch (error) {
      const why =
        (error as Error).name === 'TimeoutError'
          ? `no answer within ${timeout} ms`
          : (error as Error).message;
      throw new OutcomeError(
        'outcome_unanswered',
        `the outcome service at ${url} could not be used: ${why}`,
        undefined,
        undefined,
        {
          cause: error,
        },
      );
    }
  }
}
