/**
 * Check 9, at the token endpoints and at launches: the consumer is of the kind this endpoint serves
 * → `consumer_key_invalid`. An LTI consumer (an LMS) sends launches and nothing else; a launch comes
 * from an LTI consumer only, so that credentials issued to an ordinary application cannot launch.
 */
import { OAuthProblem } from '../../problems/oauth-problem.js';
import type { CheckContext } from '../context.js';
import { spendSignatureTime } from './check-signature.js';

export function checkConsumerKind(context: CheckContext): void {
  const lti = context.consumer?.lti === true;
  const launch = context.endpoint.name === 'launch';
  if (lti === launch) return;
  spendSignatureTime(context);
  throw new OAuthProblem('consumer_key_invalid', {
    advice: launch
      ? 'This consumer is not registered for LTI launches; register the LMS as an LTI consumer and sign launches with its key and secret.'
      : `This consumer is registered for LTI launches, which are all it may send; the ${context.endpoint.name} endpoint does not serve it.`,
  });
}
