/**
 * The signature doctor's engine part: for a request a developer pasted, the base string the engine
 * computes (the URL rebuilt and the parameters collected exactly as for a real request), and which
 * of one consumer's secrets its signature matches. Nothing is recorded — no nonce, no problem — and
 * nothing secret is returned. The consumer is the caller's (an app's owner asking about their own
 * app), never looked up by the key the pasted request names.
 */
import { baseStringUri, signatureBaseString } from '../core/base-string.js';
import { isSignatureMethodName, SIGNATURE_METHODS } from '../core/signature-methods.js';
import { checkDuplicates } from './checks/check-duplicates.js';
import { collectRequestParameters } from './checks/collect-request-parameters.js';
import { newCheckContext } from './context.js';
import { RESOURCE } from './endpoints.js';
import { asProblem } from './input-problem.js';
import type { Consumer } from './model.js';
import type { ProviderConfig } from './options.js';
import type { OAuthRequest } from './request.js';

/**
 * What the signature of a pasted request matches:
 * - `current_secret` / `previous_secret`: the consumer's current secret, or its previous one (in a
 *   rotation's grace period), with the token's secret; for an RSA method, the consumer's key.
 * - `no_match`: none of them, for the server's base string: the client signed another base string,
 *   or with another key.
 * - `unchecked`: it could not be checked; `uncheckedBecause` says why.
 */
export type SignatureMatch = 'current_secret' | 'previous_secret' | 'no_match' | 'unchecked';

/** What the engine makes of a pasted request. */
export interface SignatureDiagnosis {
  /** The signature base string the engine computes for the request. */
  readonly baseString: string;
  /** The protocol parameters the request carries, `oauth_signature` left out. */
  readonly protocolParameters: ReadonlyMap<string, string>;
  readonly signature: SignatureMatch;
  readonly uncheckedBecause?: string | undefined;
}

type Unchecked = { signature: 'unchecked'; uncheckedBecause: string };

const unchecked = (uncheckedBecause: string): Unchecked => ({ signature: 'unchecked', uncheckedBecause });

/** The secret of the token the request names, if it is one of this consumer's. */
async function tokenSecret(
  config: ProviderConfig,
  consumer: Consumer,
  token: string,
): Promise<string | undefined> {
  if (token === '') return '';
  const access = await config.store.getAccessToken(token);
  if (access?.consumerKey === consumer.key) return access.secret;
  const request = await config.store.getRequestToken(token);
  return request?.consumerKey === consumer.key ? request.secret : undefined;
}

async function matchSignature(
  config: ProviderConfig,
  consumer: Consumer,
  baseString: string,
  oauth: ReadonlyMap<string, string>,
): Promise<Pick<SignatureDiagnosis, 'signature' | 'uncheckedBecause'>> {
  const key = oauth.get('oauth_consumer_key');
  if (key !== consumer.key)
    return unchecked(
      key === undefined
        ? 'the request has no oauth_consumer_key.'
        : "the request names another consumer key than this application's.",
    );
  const methodName = oauth.get('oauth_signature_method') ?? '';
  if (!isSignatureMethodName(methodName))
    return unchecked(`${JSON.stringify(methodName)} is not a signature method.`);
  const signature = oauth.get('oauth_signature');
  if (signature === undefined) return unchecked('the request has no oauth_signature.');
  const secret = await tokenSecret(config, consumer, oauth.get('oauth_token') ?? '');
  if (secret === undefined) return unchecked("its oauth_token is none of this application's tokens.");
  const method = SIGNATURE_METHODS[methodName];
  const publicKey = consumer.rsaPublicKey;
  if (methodName.startsWith('RSA-') && publicKey === undefined)
    return unchecked('this application has no RSA public key.');
  const matches = (consumerSecret: string) =>
    method.verify(baseString, signature, {
      consumerSecret,
      tokenSecret: secret,
      ...(publicKey === undefined ? {} : { publicKey }),
    });
  if (matches(consumer.secret)) return { signature: 'current_secret' };
  const previous = consumer.previousSecret;
  if (
    previous &&
    previous.expiresAt > config.clock() &&
    !methodName.startsWith('RSA-') &&
    matches(previous.secret)
  )
    return { signature: 'previous_secret' };
  return { signature: 'no_match' };
}

/**
 * The engine's view of a pasted request (see {@link SignatureDiagnosis}); a request it cannot read
 * throws the `OAuthProblem` a real one would get (`parameter_rejected`).
 */
export async function diagnoseSignature(
  config: ProviderConfig,
  request: OAuthRequest,
  consumer: Consumer,
): Promise<SignatureDiagnosis> {
  const context = newCheckContext(RESOURCE, request, config);
  try {
    collectRequestParameters(context);
    checkDuplicates(context);
  } catch (error) {
    throw asProblem(error);
  }
  const { uri, parameters, oauth } = context;
  if (!uri) throw new Error('parameters were collected without a URI');
  const baseString = signatureBaseString(request.method, baseStringUri(uri), parameters);
  const protocolParameters = new Map([...oauth].filter(([name]) => name !== 'oauth_signature'));
  return { baseString, protocolParameters, ...(await matchSignature(config, consumer, baseString, oauth)) };
}
