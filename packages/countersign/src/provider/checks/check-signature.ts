/**
 * Check 11: the signature matches (RFC 5849 §3.2), compared in constant time → `signature_invalid`
 * with `oauth_signature_base_string`, the base string the server computed. In a rotation's grace
 * period the consumer's previous secret also signs.
 */
import { baseStringUri, signatureBaseString } from '../../core/base-string.js';
import { SIGNATURE_METHODS } from '../../core/signature-methods.js';
import { OAuthProblem } from '../../problems/oauth-problem.js';
import type { CheckContext } from '../context.js';
import { singleHeader } from '../request.js';

function computeBaseString(context: CheckContext): string {
  const { uri } = context;
  if (!uri) throw new Error('parameters must be collected before the signature is checked');
  context.baseString ??= signatureBaseString(context.request.method, baseStringUri(uri), context.parameters);
  return context.baseString;
}

/**
 * Runs the same work as a real check with a dummy secret, so that a refusal for an unknown consumer
 * or token takes as long as one for a bad signature (timing must not say which check failed).
 */
export function spendSignatureTime(context: CheckContext): void {
  if (!context.uri) return;
  const signature = context.oauth.get('oauth_signature') ?? '';
  SIGNATURE_METHODS['HMAC-SHA1'].verify(computeBaseString(context), signature, {
    consumerSecret: 'countersign-dummy-consumer-secret',
    tokenSecret: 'countersign-dummy-token-secret',
  });
}

function proxyHint(context: CheckContext): string {
  const { config, request } = context;
  if (config.publicUrl || config.trustProxy) return '';
  const proxied = ['forwarded', 'x-forwarded-proto', 'x-forwarded-host'].some(
    (name) => singleHeader(request.headers, name) !== undefined,
  );
  return proxied
    ? ' The request came through a proxy, but the server is configured with neither publicUrl nor trustProxy, so it signs the URL it received, not the one the client used.'
    : '';
}

/**
 * Whether the signature matches the consumer's previous secret, in its grace period (then noted in
 * the context, for `onPreviousSecret`). Tried only after the current secret failed, so that a
 * request signed with the current one costs nothing more. RSA methods sign with the consumer's key
 * pair, which rotating the secret does not change.
 */
function signedWithPreviousSecret(context: CheckContext, baseString: string, tokenSecret: string): boolean {
  const { consumer, signatureMethod, now } = context;
  const previous = consumer?.previousSecret;
  if (!previous || !signatureMethod || signatureMethod.name.startsWith('RSA-') || now >= previous.expiresAt)
    return false;
  const signature = context.oauth.get('oauth_signature') ?? '';
  if (!signatureMethod.verify(baseString, signature, { consumerSecret: previous.secret, tokenSecret }))
    return false;
  context.previousSecretUntil = previous.expiresAt;
  return true;
}

export function checkSignature(context: CheckContext): void {
  const { consumer, signatureMethod } = context;
  if (!consumer || !signatureMethod)
    throw new Error('consumer and method must be checked before the signature');
  const baseString = computeBaseString(context);
  const tokenSecret = context.accessToken?.secret ?? context.requestToken?.secret ?? '';
  const valid = signatureMethod.verify(baseString, context.oauth.get('oauth_signature') ?? '', {
    consumerSecret: consumer.secret,
    tokenSecret,
    ...(consumer.rsaPublicKey === undefined ? {} : { publicKey: consumer.rsaPublicKey }),
  });
  if (valid || signedWithPreviousSecret(context, baseString, tokenSecret)) return;
  throw new OAuthProblem('signature_invalid', {
    signatureBaseString: baseString,
    advice:
      'The signature does not match. Compare the base string your client signed with oauth_signature_base_string; ' +
      `the first difference is the bug.${proxyHint(context)}`,
  });
}
