/**
 * Check 5: every required protocol parameter is present → `parameter_absent` listing all the
 * missing ones. RFC 5849 §3.1: timestamp and nonce "MAY be omitted when using the PLAINTEXT
 * signature method". An empty value counts as absent. `oauth_body_hash` is required of a non-form
 * body where the provider (`bodyHash: 'required'`) or the resource (`verify(…, { bodyHash })`) says so.
 */
import { OAuthProblem } from '../../problems/oauth-problem.js';
import type { CheckContext } from '../context.js';
import { hasBody, isFormBody } from '../request.js';

const PLAINTEXT_OPTIONAL = new Set(['oauth_timestamp', 'oauth_nonce']);

/** What to send when a non-form body must be signed (the OAuth Request Body Hash extension). */
const BODY_HASH_ADVICE =
  'This body is not form-encoded, so it is signed through oauth_body_hash: the base64 digest of the exact body bytes ' +
  '(SHA-256 with HMAC-SHA256 or RSA-SHA256, SHA-512 with HMAC-SHA512, SHA-1 otherwise), sent as a protocol ' +
  'parameter and covered by the signature, per the OAuth Request Body Hash extension. ' +
  'A form-encoded body needs none: its fields are signed as parameters.';

export function checkRequired({ endpoint, oauth, request, config }: CheckContext): void {
  const plaintext = oauth.get('oauth_signature_method') === 'PLAINTEXT';
  const needsBodyHash =
    (endpoint.bodyHashRequired || config.bodyHashRequired) && hasBody(request) && !isFormBody(request);
  let absent: string[] | undefined;
  for (const name of needsBodyHash ? [...endpoint.required, 'oauth_body_hash'] : endpoint.required) {
    if ((oauth.get(name) ?? '') === '' && !(plaintext && PLAINTEXT_OPTIONAL.has(name))) {
      (absent ??= []).push(name);
    }
  }
  if (absent === undefined) return;
  const advice = `This request needs ${absent.join(', ')}. Protocol parameters go in the Authorization header, the query, or a form-encoded body.`;
  throw new OAuthProblem('parameter_absent', {
    parametersAbsent: absent,
    advice: absent.includes('oauth_body_hash') ? `${advice} ${BODY_HASH_ADVICE}` : advice,
  });
}
