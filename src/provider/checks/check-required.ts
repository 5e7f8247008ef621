/**
 * Check 5: every required protocol parameter is present → `parameter_absent` listing all the
 * missing ones. RFC 5849 §3.1: timestamp and nonce "MAY be omitted when using the PLAINTEXT
 * signature method". An empty value counts as absent.
 */
import { OAuthProblem } from '../../problems/oauth-problem.js';
import type { CheckContext } from '../context.js';
import { hasBody, isFormBody } from '../request.js';

const PLAINTEXT_OPTIONAL = new Set(['oauth_timestamp', 'oauth_nonce']);

export function checkRequired({ endpoint, oauth, request, config }: CheckContext): void {
  const plaintext = oauth.get('oauth_signature_method') === 'PLAINTEXT';
  const needsBodyHash = config.bodyHashRequired && hasBody(request) && !isFormBody(request);
  let absent: string[] | undefined;
  for (const name of needsBodyHash ? [...endpoint.required, 'oauth_body_hash'] : endpoint.required) {
    if ((oauth.get(name) ?? '') === '' && !(plaintext && PLAINTEXT_OPTIONAL.has(name))) {
      (absent ??= []).push(name);
    }
  }
  if (absent === undefined) return;
  throw new OAuthProblem('parameter_absent', {
    parametersAbsent: absent,
    advice: `This request needs ${absent.join(', ')}. Protocol parameters go in the Authorization header, the query, or a form-encoded body.`,
  });
}
