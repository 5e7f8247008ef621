/**
 * The signed endpoints as tables: which methods and parameters each takes, and the checks it
 * runs, in the documented order (docs/problems.md, "The order of checks").
 */
import { checkBodyHash } from './checks/check-body-hash.js';
import { checkCallback } from './checks/check-callback.js';
import { checkConsumerKind } from './checks/check-consumer-kind.js';
import { checkDecision } from './checks/check-decision.js';
import { checkDuplicates } from './checks/check-duplicates.js';
import { checkHttpMethod } from './checks/check-http-method.js';
import { checkNonce } from './checks/check-nonce.js';
import { checkRequestedScopes } from './checks/check-requested-scopes.js';
import { checkRequired } from './checks/check-required.js';
import { checkSignature } from './checks/check-signature.js';
import { checkSignatureMethod } from './checks/check-signature-method.js';
import { checkTimestamp } from './checks/check-timestamp.js';
import { checkUnexpected } from './checks/check-unexpected.js';
import { checkVerifier } from './checks/check-verifier.js';
import { checkVersion } from './checks/check-version.js';
import { collectRequestParameters } from './checks/collect-request-parameters.js';
import { loadConsumer } from './checks/load-consumer.js';
import { loadToken } from './checks/load-token.js';
import type { Check, CheckContext, Endpoint } from './context.js';

const SIGNING = [
  'oauth_consumer_key',
  'oauth_signature_method',
  'oauth_signature',
  'oauth_timestamp',
  'oauth_nonce',
];
const OPTIONAL = ['oauth_version', 'oauth_body_hash'];

export const INITIATE: Endpoint = {
  name: 'initiate',
  methods: ['POST'],
  required: [...SIGNING, 'oauth_callback'],
  accepted: new Set([...SIGNING, ...OPTIONAL, 'oauth_callback']),
  bodyHashRequired: false,
  aboutBlankCallback: false,
};

export const TOKEN: Endpoint = {
  name: 'token',
  methods: ['POST'],
  required: [...SIGNING, 'oauth_token', 'oauth_verifier'],
  accepted: new Set([...SIGNING, ...OPTIONAL, 'oauth_token', 'oauth_verifier']),
  bodyHashRequired: false,
  aboutBlankCallback: false,
};

export const RESOURCE: Endpoint = {
  name: 'resource',
  required: SIGNING,
  accepted: new Set([...SIGNING, ...OPTIONAL, 'oauth_token']),
  bodyHashRequired: false,
  aboutBlankCallback: false,
};

/** A protected resource whose non-form bodies must be signed: `verify(request, { bodyHash: 'required' })`. */
export const RESOURCE_REQUIRING_BODY_HASH: Endpoint = { ...RESOURCE, bodyHashRequired: true };

/**
 * An LTI 1.1 launch (a Basic Launch or a Content-Item selection request): a form POST from an LMS,
 * signed with its consumer credentials alone. LTI 1.1 has the LMS send `oauth_callback=about:blank`,
 * which this endpoint alone takes.
 */
export const LAUNCH: Endpoint = {
  name: 'launch',
  methods: ['POST'],
  required: SIGNING,
  accepted: new Set([...SIGNING, ...OPTIONAL]),
  bodyHashRequired: false,
  aboutBlankCallback: true,
};

/** Checks 1–12, shared by every signed request. */
export const SIGNED_REQUEST_CHECKS: readonly Check[] = [
  checkHttpMethod,
  collectRequestParameters,
  checkDuplicates,
  checkVersion,
  checkRequired,
  checkUnexpected,
  checkSignatureMethod,
  checkTimestamp,
  loadConsumer,
  loadToken,
  checkSignature,
  checkBodyHash,
  checkNonce,
];

/**
 * The signed-request checks with `checkConsumerKind` right after the consumer is loaded: at the
 * token endpoints (where an LTI consumer has no business) and at launches (where only one does).
 * Protected resources need no such step: an LTI consumer is refused consumer-only requests there,
 * and it is never issued a token.
 */
const KIND_CHECKED: readonly Check[] = SIGNED_REQUEST_CHECKS.flatMap((check) =>
  check === loadConsumer ? [check, checkConsumerKind] : [check],
);

export const INITIATE_CHECKS: readonly Check[] = [...KIND_CHECKED, checkCallback, checkRequestedScopes];
export const TOKEN_CHECKS: readonly Check[] = [...KIND_CHECKED, checkDecision, checkVerifier];
export const LAUNCH_CHECKS: readonly Check[] = KIND_CHECKED;

/**
 * Runs checks in order, from `from`; the first problem thrown is the answer. Synchronous while the
 * checks are: only a check that returns a promise makes the rest wait for it.
 */
export function runChecks(
  context: CheckContext,
  checks: readonly Check[],
  from = 0,
): void | PromiseLike<void> {
  for (let i = from; i < checks.length; i++) {
    const pending = (checks[i] as Check)(context);
    if (pending) return pending.then(() => runChecks(context, checks, i + 1));
  }
}
