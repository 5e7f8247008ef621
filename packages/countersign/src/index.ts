/**
 * Countersign: an OAuth 1.0a service provider (RFC 5849) with precise problem reporting.
 * This is the package's main entry point; internals are not exported.
 */
export { authorizationHeader } from './core/authorization-header.js';
export {
  baseStringUri,
  normalizeParameters,
  type RequestUri,
  signatureBaseString,
  splitUrl,
} from './core/base-string.js';
export { type BodyHashAlgorithm, bodyHash, verifyBodyHash } from './core/body-hash.js';
export {
  type CollectedParameters,
  collectParameters,
  type Parameter,
  type ParameterSource,
  type ParameterSources,
  parseAuthorizationHeader,
  parseFormEncoded,
} from './core/parameters.js';
export { type DecodeContext, percentDecode, percentEncode } from './core/percent-encoding.js';
export { cutText, PROBLEM_BOUNDS, readCut, SECRET_NAME } from './problems/bounds.js';
export {
  isSignatureMethodName,
  SIGNATURE_METHOD_NAMES,
  SIGNATURE_METHODS,
  type SignatureMethod,
  type SignatureMethodName,
  type SigningCredentials,
  signingKey,
} from './core/signature-methods.js';
export {
  PROBLEM_LIST,
  PROBLEMS,
  type ProblemCode,
  type ProblemEntry,
  type ProblemExtra,
  type ProblemName,
} from './problems/catalogue.js';
export { isOAuthProblem, OAuthProblem, type ProblemDetails } from './problems/oauth-problem.js';
export {
  type ProblemJson,
  problemForm,
  problemJson,
  problemParameters,
  renderProblem,
  wwwAuthenticate,
} from './problems/render.js';
export type { WireResponse } from './problems/wire.js';
export type { AuthorizationRequest, DecisionOutcome, UserDecision } from './provider/authorize.js';
export type { ConsumerChanges, ConsumerRegistration } from './provider/consumers.js';
export type { RotateOptions } from './provider/lifecycle.js';
export type {
  CredentialsImport,
  ImportedAccessToken,
  ImportedConsumer,
  ImportOptions,
  ImportSummary,
} from './provider/import-credentials.js';
export {
  type ImportFault,
  ProviderInputError,
  type ProviderInputCode,
  StoreUnavailableError,
} from './provider/errors.js';
export { CountersignError } from './core/countersign-error.js';
export * as errors from './errors.js';
export type {
  AccessToken,
  Consumer,
  ConsumerStatus,
  PreviousSecret,
  RequestToken,
  RequestTokenState,
  User,
} from './provider/model.js';
export { PROVIDER_DEFAULTS, type ProviderOptions } from './provider/options.js';
export type { UserDirectory } from './provider/users.js';
export type { SignatureDiagnosis, SignatureMatch } from './provider/diagnose.js';
export { compileTrustProxy, type ProxyTrust, type TrustProxy } from './provider/trusted-proxy.js';
export { type CreateProviderOptions, createProvider, type Provider } from './provider/provider.js';
export type { Headers, OAuthRequest } from './provider/request.js';
export type { VerifiedRequest, VerifyOptions } from './provider/verify.js';
export { MemoryStore } from './stores/memory-store.js';
export type {
  AdminStore,
  Decision,
  EngineStore,
  ImportBatch,
  ImportResult,
  ReadOptions,
  RedeemAttempt,
  Redemption,
  Store,
} from './provider/store.js';
export type { MaybePromise } from './provider/maybe-promise.js';
export { type NonceStore, withNonceStore } from './provider/store.js';
export type { PreviousSecretReport, ProblemReport } from './provider/provider.js';
export type { EndpointName } from './provider/context.js';
