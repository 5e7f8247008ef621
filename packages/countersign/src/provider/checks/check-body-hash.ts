/**
 * After the signature: `oauth_body_hash`, when present, matches the body (OAuth Request Body Hash:
 * it "MUST NOT" be sent with a form-encoded body) → `parameter_rejected`.
 */
import { verifyBodyHash } from '../../core/body-hash.js';
import { rejectParameter } from '../../problems/oauth-problem.js';
import type { CheckContext } from '../context.js';
import { isFormBody } from '../request.js';

export function checkBodyHash({ oauth, request, signatureMethod }: CheckContext): void {
  const received = oauth.get('oauth_body_hash');
  if (received === undefined || !signatureMethod) return;
  if (isFormBody(request)) {
    throw rejectParameter(
      'oauth_body_hash',
      received,
      'oauth_body_hash must not be sent with a form-encoded body.',
    );
  }
  const algorithm = signatureMethod.bodyHashAlgorithm;
  if (!verifyBodyHash(request.body ?? '', received, algorithm)) {
    throw rejectParameter(
      'oauth_body_hash',
      received,
      `oauth_body_hash does not match the body: it must be the base64 ${algorithm.toUpperCase()} digest of the exact bytes sent.`,
    );
  }
}
