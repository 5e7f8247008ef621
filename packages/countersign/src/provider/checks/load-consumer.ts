/**
 * Check 9: the consumer → `consumer_key_rejected` (malformed key, or disabled for good),
 * `consumer_key_unknown`, `consumer_key_refused` (suspended), and `consumer_key_invalid` for a
 * consumer-only request from a consumer not enabled for two-legged use.
 */
import { OAuthProblem } from '../../problems/oauth-problem.js';
import { type CheckContext, lookupConsumer } from '../context.js';
import { andThen } from '../maybe-promise.js';
import type { Consumer } from '../model.js';
import { spendSignatureTime } from './check-signature.js';

export function loadConsumer(context: CheckContext): void | PromiseLike<void> {
  return andThen(lookupConsumer(context), (consumer) => acceptConsumer(context, consumer));
}

function acceptConsumer(context: CheckContext, consumer: Consumer | undefined): void {
  const key = context.oauth.get('oauth_consumer_key') ?? '';
  let problem: OAuthProblem | undefined;
  // A consumer is only looked up by a well-formed key (lookupConsumer), so one that was found has one.
  if (!consumer && !context.config.consumerKeyPattern.test(key)) {
    problem = new OAuthProblem('consumer_key_rejected', {
      advice: `oauth_consumer_key ${JSON.stringify(key)} is not a well-formed consumer key.`,
    });
  } else if (!consumer) {
    problem = new OAuthProblem('consumer_key_unknown');
  } else if (consumer.status === 'disabled') {
    problem = new OAuthProblem('consumer_key_rejected', {
      advice: 'This consumer has been disabled for good.',
    });
  } else if (consumer.status === 'suspended') {
    problem = new OAuthProblem('consumer_key_refused');
  } else if (
    context.endpoint.name === 'resource' &&
    !context.oauth.get('oauth_token') &&
    (!consumer.twoLegged || consumer.lti === true)
  ) {
    problem = new OAuthProblem('consumer_key_invalid', {
      advice: consumer.lti
        ? 'This consumer is registered for LTI launches, which are all it may send.'
        : 'This consumer is not enabled for two-legged requests; send an oauth_token, or enable two-legged use.',
    });
  }
  if (problem || !consumer) {
    spendSignatureTime(context);
    throw problem ?? new OAuthProblem('consumer_key_unknown');
  }
  context.consumer = consumer;
}
