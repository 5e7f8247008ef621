/**
 * Check 7: the signature method is known and enabled for the server and for this consumer, and
 * PLAINTEXT is not used over plain HTTP unless allowed (RFC 5849 §3.4.4: PLAINTEXT "does not
 * provide any security protection and SHOULD only be used over a secure channel")
 * → `signature_method_rejected`, listing the accepted methods.
 */
import {
  isSignatureMethodName,
  SIGNATURE_METHODS,
  type SignatureMethodName,
} from '../../core/signature-methods.js';
import { OAuthProblem } from '../../problems/oauth-problem.js';
import { type CheckContext, lookupConsumer } from '../context.js';
import { andThen } from '../maybe-promise.js';
import type { Consumer } from '../model.js';

/** Whether `method` is enabled for the server and the consumer, and allowed over this connection. */
function accepts(
  method: SignatureMethodName,
  config: CheckContext['config'],
  consumer: Consumer | undefined,
  plainHttp: boolean,
): boolean {
  return (
    config.signatureMethods.has(method) &&
    !(method === 'PLAINTEXT' && plainHttp && !config.allowPlaintextOverHttp) &&
    (consumer === undefined || consumer.signatureMethods.includes(method))
  );
}

export function checkSignatureMethod(context: CheckContext): void | PromiseLike<void> {
  // The consumer is looked up here only to narrow the methods; its own problems come at check 9.
  return andThen(lookupConsumer(context), (consumer) => chooseSignatureMethod(context, consumer));
}

function chooseSignatureMethod(context: CheckContext, consumer: Consumer | undefined): void {
  const { config, oauth } = context;
  const name = oauth.get('oauth_signature_method') ?? '';
  const plainHttp = context.uri?.scheme.toLowerCase() !== 'https';
  if (isSignatureMethodName(name) && accepts(name, config, consumer, plainHttp)) {
    context.signatureMethod = SIGNATURE_METHODS[name];
    return;
  }
  const accepted = [...config.signatureMethods].filter((m) => accepts(m, config, consumer, plainHttp));
  const others =
    accepted.length === 0 ? '' : accepted.length === 1 ? accepted[0] : `one of ${accepted.join(', ')}`;
  // PLAINTEXT that would be accepted over HTTPS: the connection is what is wrong.
  const advice =
    name === 'PLAINTEXT' && plainHttp && accepts('PLAINTEXT', config, consumer, false)
      ? 'PLAINTEXT sends the secrets themselves, so it is refused over plain HTTP: send the request over HTTPS' +
        (others ? `, or sign it with ${others}.` : '.')
      : `${JSON.stringify(name)} is not accepted; use ${others || 'a method enabled for this consumer'}.`;
  throw new OAuthProblem('signature_method_rejected', { advice });
}
