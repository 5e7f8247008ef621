/**
 * The Plain Old XML of LTI Basic Outcomes 1.1 (LTI 1.1 Implementation Guide §6, the
 * `imsoms_v1p0` schema): the three requests a tool sends — `replaceResultRequest`,
 * `readResultRequest`, `deleteResultRequest` — built from a fixed template with every value
 * escaped, and the answer read with the strict reader for the elements a tool needs: the status
 * (`imsx_codeMajor`, `imsx_severity`, `imsx_description`, `imsx_messageRefIdentifier`) and, for
 * `readResult`, `resultScore/textString`.
 */
import { childAt, readXml } from './xml-reader.js';

export const POX_NAMESPACE = 'http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0';

/** The three operations of Basic Outcomes. */
export type OutcomeOperation = 'replaceResult' | 'readResult' | 'deleteResult';

/** `imsx_codeMajor`: the outcome of the operation, as the LMS reports it. */
export type CodeMajor = 'success' | 'processing' | 'failure' | 'unsupported';

/** The status of an answer. */
export interface PoxStatus {
  readonly codeMajor: CodeMajor;
  readonly severity: string | undefined;
  readonly description: string | undefined;
  readonly messageRefIdentifier: string | undefined;
  readonly operationRefIdentifier: string | undefined;
}

/** A POX answer: its status, and the score text of a `readResult` answer (`''` when none is set). */
export interface PoxResponse {
  readonly status: PoxStatus;
  readonly scoreText: string | undefined;
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * A score as the schema's decimal: plain digits, never the exponent form `String` gives the smallest
 * numbers (`1e-7`), at most 15 significant digits.
 */
export function scoreText(score: number): string {
  const fixed = score.toFixed(15).replace(/\.?0+$/, '');
  return fixed === '' || fixed === '-0' ? '0' : fixed;
}

/** The request body of one operation. */
export function poxRequest(
  operation: OutcomeOperation,
  messageIdentifier: string,
  sourcedid: string,
  score?: { readonly text: string; readonly language: string },
): string {
  const result = score
    ? `
        <result>
          <resultScore>
            <language>${escapeXml(score.language)}</language>
            <textString>${escapeXml(score.text)}</textString>
          </resultScore>
        </result>`
    : '';
  return `<?xml version="1.0" encoding="UTF-8"?>
<imsx_POXEnvelopeRequest xmlns="${POX_NAMESPACE}">
  <imsx_POXHeader>
    <imsx_POXRequestHeaderInfo>
      <imsx_version>V1.0</imsx_version>
      <imsx_messageIdentifier>${escapeXml(messageIdentifier)}</imsx_messageIdentifier>
    </imsx_POXRequestHeaderInfo>
  </imsx_POXHeader>
  <imsx_POXBody>
    <${operation}Request>
      <resultRecord>
        <sourcedGUID>
          <sourcedId>${escapeXml(sourcedid)}</sourcedId>
        </sourcedGUID>${result}
      </resultRecord>
    </${operation}Request>
  </imsx_POXBody>
</imsx_POXEnvelopeRequest>
`;
}

const CODES: readonly CodeMajor[] = ['success', 'processing', 'failure', 'unsupported'];

/**
 * Reads an answer to `operation`. Throws `SyntaxError` for XML that is malformed or is not a POX
 * response envelope with a status.
 */
export function readPoxResponse(xml: string, operation: OutcomeOperation): PoxResponse {
  const root = readXml(xml);
  if (root.name !== 'imsx_POXEnvelopeResponse')
    throw new SyntaxError(`the root element is <${root.name}>, not <imsx_POXEnvelopeResponse>`);
  const info = childAt(root, 'imsx_POXHeader', 'imsx_POXResponseHeaderInfo', 'imsx_statusInfo');
  if (!info)
    throw new SyntaxError('the answer has no imsx_POXHeader/imsx_POXResponseHeaderInfo/imsx_statusInfo');
  const text = (name: string) => {
    const value = childAt(info, name)?.text.trim();
    return value === '' ? undefined : value;
  };
  const codeMajor = text('imsx_codeMajor');
  if (!CODES.includes(codeMajor as CodeMajor))
    throw new SyntaxError(
      `imsx_codeMajor is ${JSON.stringify(codeMajor ?? '')}, not one of ${CODES.join(', ')}`,
    );
  const score =
    operation === 'readResult'
      ? childAt(root, 'imsx_POXBody', 'readResultResponse', 'result', 'resultScore', 'textString')
      : undefined;
  return {
    status: {
      codeMajor: codeMajor as CodeMajor,
      severity: text('imsx_severity'),
      description: text('imsx_description'),
      messageRefIdentifier: text('imsx_messageRefIdentifier'),
      operationRefIdentifier: text('imsx_operationRefIdentifier'),
    },
    scoreText: score?.text.trim(),
  };
}
